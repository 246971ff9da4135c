import { test, expect, type Page } from "@playwright/test";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

async function open(page: Page) {
  await page.addInitScript({ path: path.join(here, "fake-backend.js") });
  await page.goto("/");
}

/** axe-core's WCAG 2.1 A/AA rules must find nothing on the page as it is now. */
async function expectAccessible(page: Page) {
  await page.addScriptTag({ path: require.resolve("axe-core/axe.min.js") });
  const violations = await page.evaluate(async () => {
    // @ts-expect-error axe is injected above
    const result = await window.axe.run(document, { runOnly: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] });
    return result.violations.map((v: { id: string; nodes: unknown[] }) => `${v.id} (${v.nodes.length})`);
  });
  expect(violations).toEqual([]);
}

test.beforeEach(async ({ page }) => {
  await page.goto("/");
  await page.evaluate(() => localStorage.clear());
});

test("first run: enrollment in Latvian with clear errors, then the centre and online", async ({ page }) => {
  await open(page);
  await expect(page.getByRole("heading", { name: "Pievienot šo darbvietu" })).toBeVisible();
  await expect(page.locator("html")).toHaveAttribute("lang", "lv");
  await expectAccessible(page);

  await page.getByRole("button", { name: "Pievienot" }).click();
  await expect(page.getByTestId("serverUrl-error")).toHaveText("Šis lauks ir jāaizpilda.");

  await page.getByLabel("Servera adrese").fill("ftp:/nav");
  await page.getByLabel("Pievienošanas kods").fill("7KQ2-M9XD");
  await page.getByRole("button", { name: "Pievienot" }).click();
  await expect(page.getByTestId("serverUrl-error")).toContainText("Servera adrese nav pareiza");

  await page.getByLabel("Servera adrese").fill("https://unreachable.example");
  await page.getByRole("button", { name: "Pievienot" }).click();
  await expect(page.getByTestId("serverUrl-error")).toContainText("Serveris nav sasniedzams");

  await page.getByLabel("Servera adrese").fill("https://pietura.example");
  await page.getByLabel("Pievienošanas kods").fill("AAAA-BBBB");
  await page.getByRole("button", { name: "Pievienot" }).click();
  await expect(page.getByTestId("code-error")).toContainText("Šāds kods nav zināms");
  await expectAccessible(page);

  await page.getByLabel("Pievienošanas kods").fill("7kq2 m9xd");
  await page.getByRole("button", { name: "Pievienot" }).click();
  await expect(page.getByTestId("centre-name")).toHaveText("Rīgas 1. VPVKAC");
  await expect(page.getByTestId("connection-state")).toHaveText("Tiešsaistē");
  await expect(page.getByTestId("last-sync")).toContainText("Pēdējā sinhronizācija:");
  await expectAccessible(page);
});

test("the language switch changes every text and is remembered", async ({ page }) => {
  await open(page);
  await page.getByTestId("language-en").click();
  await expect(page.getByRole("heading", { name: "Set up this desk" })).toBeVisible();
  await expect(page.locator("html")).toHaveAttribute("lang", "en");
  await expect(page.getByTestId("language-en")).toHaveAttribute("aria-pressed", "true");
  await page.reload();
  await expect(page.getByRole("heading", { name: "Set up this desk" })).toBeVisible();
  await page.getByTestId("language-lv").click();
  await expect(page.getByRole("heading", { name: "Pievienot šo darbvietu" })).toBeVisible();
});

test("the status bar follows the connection and offers a retry when offline", async ({ page }) => {
  await open(page);
  await page.getByLabel("Servera adrese").fill("https://pietura.example");
  await page.getByLabel("Pievienošanas kods").fill("7KQ2-M9XD");
  await page.getByRole("button", { name: "Pievienot" }).click();
  await expect(page.getByTestId("connection-state")).toHaveAttribute("data-state", "online");
  await page.evaluate(() => (window as unknown as { __fake: { setConnection(c: string): void } }).__fake.setConnection("offline"));
  await expect(page.getByTestId("connection-state")).toHaveAttribute("data-state", "offline");
  await expect(page.getByTestId("connection-state")).toContainText("Bezsaistē");
  await page.getByRole("button", { name: "Mēģināt tagad" }).click();
  await expectAccessible(page);
  await page.evaluate(() => (window as unknown as { __fake: { setConnection(c: string): void } }).__fake.setConnection("online"));
  await expect(page.getByTestId("connection-state")).toHaveAttribute("data-state", "online");
});

test("a local store that cannot be opened is explained, not hidden", async ({ page }) => {
  await page.evaluate(() =>
    localStorage.setItem(
      "fake-backend",
      JSON.stringify({
        language: "lv",
        enrollment: null,
        storeError: { code: "store_key_missing", message: "the key is not in the keyring" },
        status: { connection: "connecting", last_success: null, next_try: null, consecutive_failures: 0, last_error: null, centre: null },
      }),
    ),
  );
  await open(page);
  const alert = page.getByRole("alert");
  await expect(alert).toContainText("Pietura nevar atvērt vietējos datus");
  await expect(alert).toContainText("Neizdzēsiet failu");
  await expect(alert).toContainText("the key is not in the keyring");
  await expect(page.getByTestId("connection-state")).toHaveText("Nav pievienota");
  await expectAccessible(page);
});
