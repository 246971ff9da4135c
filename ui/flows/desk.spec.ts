import { test, expect, type Page } from "@playwright/test";
import { createRequire } from "node:module";
import caseRules from "./case-rules.generated.json" with { type: "json" };
import { installFakeBackend } from "./fake-backend";

const require = createRequire(import.meta.url);

async function open(page: Page) {
  await page.addInitScript(installFakeBackend, caseRules);
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
  // Cases wait while offline; a refused one is called out.
  await page.evaluate(() => (window as unknown as { __fake: { setOutbox(p: number, r: number): void } }).__fake.setOutbox(3, 1));
  await expect(page.getByTestId("outbox-pending")).toHaveText("3 ieraksti gaida nosūtīšanu");
  await expect(page.getByTestId("outbox-poisoned")).toHaveText("Serveris noraidīja 1 ierakstu: pārbaudiet to");
  await page.getByTestId("outbox-poisoned").click();
  await expect(page.getByTestId("outbox-problems")).toContainText("RCV-03-26-0007");
  // The server's reason, translated from its code.
  await expect(page.getByTestId("outbox-problems")).toContainText("Pakalpojuma vairs nav katalogā");
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

async function enrolled(page: Page) {
  await open(page);
  await page.getByLabel("Servera adrese").fill("https://pietura.example");
  await page.getByLabel("Pievienošanas kods").fill("7KQ2-M9XD");
  await page.getByRole("button", { name: "Pievienot" }).click();
  await page.getByLabel("PIN1").fill("1234");
  await page.getByRole("button", { name: "Pieslēgties" }).click();
  await expect(page.getByTestId("search-box")).toBeFocused();
}

test("calls that fail in the background are said where the clerk sees them, in their language", async ({ page }) => {
  await enrolled(page);
  await page.evaluate(() => localStorage.setItem("fake-backend-failing", JSON.stringify(["browse_catalogue", "log_out"])));
  await page.reload();
  const problems = page.getByTestId("problems");
  await expect(problems.getByTestId("problem-browse")).toContainText("Dzīves situāciju un iestāžu sarakstu nevar nolasīt: Vietējo datu kļūda");
  await expectAccessible(page);
  await page.getByTestId("log-out").click();
  await expect(problems.getByTestId("problem-logout")).toContainText("Izrakstīties neizdevās");
  await expect(page.getByTestId("logged-in-person")).toBeVisible();
  await page.getByRole("button", { name: "English" }).click();
  await expect(problems.getByTestId("problem-logout")).toContainText("Logging out failed");
  if (process.env.PIETURA_SHOTS) await page.screenshot({ path: `${process.env.PIETURA_SHOTS}/problems-en.png` });
  await problems.getByTestId("problem-browse").getByRole("button", { name: "Close" }).click();
  await expect(problems.getByTestId("problem-browse")).toHaveCount(0);
  await expect(problems.getByTestId("problem-logout")).toHaveCount(1);
  // What the console said went to the desk's log files too, where support reads it.
  const logged: [string, string][] = await page.evaluate(() => JSON.parse(localStorage.getItem("fake-backend") || "{}").uiLog || []);
  expect(logged.some(([level, text]) => level === "error" && text.includes("injected failure"))).toBe(true);
});

test("login with the eID card: card state, wrong PIN with tries left, lock on removal, unlock", async ({ page }) => {
  await open(page);
  await page.getByLabel("Servera adrese").fill("https://pietura.example");
  await page.getByLabel("Pievienošanas kods").fill("7KQ2-M9XD");
  await page.getByRole("button", { name: "Pievienot" }).click();
  await expect(page.getByRole("heading", { name: "Pieslēgšanās ar eID karti" })).toBeVisible();
  await expect(page.getByTestId("card-holder")).toHaveText("ILZE OZOLIŅA");
  await expect(page.getByLabel("PIN1")).toBeFocused();
  await expectAccessible(page);

  await page.getByLabel("PIN1").fill("12");
  await page.getByRole("button", { name: "Pieslēgties" }).click();
  await expect(page.getByTestId("login-error")).toHaveText("PIN1 ir 4–12 cipari.");
  await page.getByLabel("PIN1").fill("9999");
  await page.getByRole("button", { name: "Pieslēgties" }).click();
  await expect(page.getByTestId("login-error")).toHaveText("Nepareizs PIN. Atlikuši 2 mēģinājumi.");
  await expect(page.getByTestId("pin-tries")).toHaveText("Atlikuši 2 mēģinājumi");
  await expectAccessible(page);

  await page.getByLabel("PIN1").fill("1234");
  await page.keyboard.press("Enter");
  await expect(page.getByTestId("person-name")).toHaveText("ILZE OZOLIŅA");
  await expect(page.getByTestId("person-roles")).toHaveText("Klientu apkalpošanas speciālists");
  await expect(page.getByTestId("search-box")).toBeFocused();

  // Taking the card out locks the desk at once; the same card and PIN unlock it.
  await page.evaluate(() => (window as unknown as { __fake: { removeCard(): void } }).__fake.removeCard());
  await expect(page.getByRole("heading", { name: "Darbvieta ir slēgta" })).toBeVisible();
  await expect(page.getByTestId("locked-by")).toContainText("ILZE OZOLIŅA");
  await expect(page.getByTestId("card-state")).toHaveText("Ievietojiet eID karti lasītājā.");
  await expect(page.getByRole("button", { name: "Atslēgt" })).toBeDisabled();
  await expectAccessible(page);
  await page.evaluate(() => (window as unknown as { __fake: { insertCard(): void } }).__fake.insertCard());
  await page.getByLabel("PIN1").fill("1234");
  await page.getByRole("button", { name: "Atslēgt" }).click();
  await expect(page.getByTestId("person-name")).toHaveText("ILZE OZOLIŅA");

  // A reader with its own keypad: no PIN field here; the PIN is typed on the reader.
  await page.getByTestId("log-out").click();
  await page.evaluate(() => (window as unknown as { __fake: { setPinPad(on: boolean): void } }).__fake.setPinPad(true));
  await expect(page.getByTestId("pin-pad-hint")).toContainText("lasītāja");
  await expect(page.getByLabel("PIN1")).toHaveCount(0);
  await expectAccessible(page);
  await page.getByRole("button", { name: "Pieslēgties" }).click();
  await expect(page.getByTestId("person-name")).toHaveText("ILZE OZOLIŅA");
  await page.evaluate(() => (window as unknown as { __fake: { setPinPad(on: boolean): void } }).__fake.setPinPad(false));

  // Logging out returns to the login screen, in English too.
  await page.getByRole("button", { name: "English" }).click();
  await page.getByTestId("log-out").click();
  await expect(page.getByRole("heading", { name: "Log in with your eID card" })).toBeVisible();
  await page.getByText("Diagnostics").click();
  await expect(page.getByTestId("diagnostics-readers")).toHaveText("Virtual PCD 00 00");
  await expect(page.getByTestId("diagnostics-server")).toHaveText("Online");
});

test("search as you type, keyboard only, opens a service page with every section", async ({ page }) => {
  await enrolled(page);
  await expect(page.getByTestId("catalogue-freshness")).toContainText("Katalogs: aktuāls");
  await expect(page.getByRole("navigation", { name: "Dzīves situācijas" })).toBeVisible();
  await page.keyboard.type("sunu");
  const results = page.getByTestId("results").getByRole("option");
  await expect(results).toHaveCount(2);
  await expect(results.first()).toHaveAttribute("aria-selected", "true");
  await page.keyboard.press("ArrowDown");
  await expect(results.nth(1)).toHaveAttribute("aria-selected", "true");
  await page.keyboard.press("ArrowUp");
  await page.keyboard.press("Enter");
  const service = page.getByTestId("service-page");
  await expect(service.getByRole("heading", { level: 1 })).toHaveText("Suņu turēšanas nodevas samaksa");
  for (const section of ["Soļi", "Izmaksas", "Kur un kā", "Prasības un dokumenti", "Zināšanu bāze", "Atbildīgā iestāde", "Tiesiskais pamats", "Saistītie pakalpojumi"]) {
    await expect(service.getByRole("heading", { name: section })).toBeVisible();
  }
  await expect(service).toContainText("15,00 €");
  await expect(service.getByRole("link", { name: "Sākt e-pakalpojumu" })).toHaveAttribute("href", /latvija\.gov\.lv/);
  await expect(service.locator("[data-state=unverified]")).toContainText("jāpārbauda vēlreiz");
  await expectAccessible(page);
  // Esc goes back to the search with the query kept; `/` returns to the box from anywhere.
  await page.keyboard.press("Escape");
  await expect(page.getByTestId("search-box")).toHaveValue("sunu");
  await page.getByTestId("results").getByRole("option").first().click();
  await page.keyboard.press("/");
  await expect(page.getByTestId("search-box")).toBeFocused();
  // Ctrl+K from a page brings the last query back selected: typing replaces it.
  await page.getByTestId("results").getByRole("option").first().click();
  await expect(page.getByTestId("service-page")).toBeVisible();
  await page.keyboard.press("Control+k");
  await expect(page.getByTestId("search-box")).toBeFocused();
  await page.keyboard.type("pase");
  await expect(page.getByTestId("search-box")).toHaveValue("pase");
});

test("filters narrow the search by institution, situation and channel", async ({ page }) => {
  await enrolled(page);
  await page.getByTestId("filter-institution").selectOption({ label: "Rīgas valstspilsētas pašvaldība" });
  await page.getByTestId("filter-channel").selectOption("e_service");
  await page.getByLabel("Tikai ar e-pakalpojumu").check();
  await page.getByTestId("search-box").fill("sunu");
  await expect(page.getByTestId("results").getByRole("option").first()).toBeVisible();
  const calls = await page.evaluate(() => (window as unknown as { __fake: { calls: [string, { filters?: unknown }][] } }).__fake.calls);
  const last = calls.filter(([cmd]) => cmd === "search_catalogue").pop();
  expect(last?.[1].filters).toEqual({ has_e_service: true, institution: "https://pietura.lv/id/org/riga", channel: "e_service" });
  await expectAccessible(page);
});

test("Enter pressed before the newest answer opens the first hit of what was typed, not of an older query", async ({ page }) => {
  await enrolled(page);
  const search = page.getByTestId("search-box");
  await search.fill("suna");
  await expect(page.getByTestId("results").getByRole("option")).toHaveText([/Suņa reģistrācija/]);
  // The device answers slowly: the old query's hit is still on screen when Enter comes.
  await page.evaluate(() => localStorage.setItem("fake-backend-slow", JSON.stringify({ search_catalogue: 400 })));
  await search.fill("sunu nodev");
  await search.press("Enter");
  await expect(page.getByTestId("service-page").getByRole("heading", { level: 1 })).toHaveText("Suņu turēšanas nodevas samaksa");
});

test("an untranslated text is shown marked in the other language, never blank", async ({ page }) => {
  await enrolled(page);
  await page.getByTestId("language-en").click();
  await page.getByTestId("search-box").fill("dog fee");
  await page.keyboard.press("Enter");
  const service = page.getByTestId("service-page");
  await expect(service.getByRole("heading", { level: 1 })).toHaveText("Dog-keeping fee payment");
  await expect(service.locator(".lead")).toContainText("Rīgā reģistrētu suņu");
  await expect(service.locator(".lead .fallback-mark")).toHaveText("(LV)");
  await expect(service).toContainText("€15.00");
});

test("articles render safely and can be flagged for their owner", async ({ page }) => {
  await enrolled(page);
  await page.getByTestId("search-box").fill("nodeva");
  await page.getByRole("option", { name: /Suņu nodeva: ko klienti/ }).click();
  const article = page.getByTestId("article-page");
  await expect(article.getByRole("heading", { name: "Kam jāmaksā" })).toBeVisible();
  await expect(article.getByTestId("article-body")).toContainText("<script>window.__injected = true</script>");
  expect(await page.evaluate(() => (window as unknown as { __injected?: boolean }).__injected)).toBeUndefined();
  await expect(article.locator("script")).toHaveCount(0);
  // A link in an article opens in the system's browser; the desk's window stays on the app.
  const before = page.url();
  await article.getByRole("link", { name: "Rīgas valstspilsētas pašvaldība" }).click();
  await expect(article.getByRole("heading", { name: "Kam jāmaksā" })).toBeVisible();
  expect(page.url()).toBe(before);
  const opened = await page.evaluate(() =>
    (window as unknown as { __fake: { calls: [string, { url?: string }][] } }).__fake.calls.filter(([cmd]) => cmd === "open_link"),
  );
  expect(opened).toEqual([["open_link", { url: "https://www.riga.lv/lv/nodevas" }]]);
  await article.getByTestId("flag-article").click();
  await article.getByLabel("Informācija ir novecojusi").check();
  await article.getByLabel("Kas jāmaina? (nav obligāti)").fill("Nodeva mainījās");
  await expectAccessible(page);
  await article.getByRole("button", { name: "Nosūtīt iestādei" }).click();
  await expect(article.getByTestId("flag-sent")).toBeVisible();
  const flags = await page.evaluate(() => (window as unknown as { __fake: { state: { flags: unknown[] } } }).__fake.state.flags);
  expect(flags).toEqual([{ id: "https://pietura.lv/id/article/dog-fee", reason: "outdated", note: "Nodeva mainījās" }]);
});

test("cases: register from a service page, note and move on, and see what an institution changed", async ({ page }) => {
  await enrolled(page);
  await expect(page.getByTestId("case-news-count")).toHaveText("Iestāde mainīja 1 lietu");
  await page.getByTestId("search-box").fill("sunu");
  await page.keyboard.press("Enter");
  // The page's main actions stand out: filled with the app's colour, not grey (issue 17).
  await expect(page.getByTestId("register-case")).toHaveCSS("background-color", "rgb(158, 48, 57)");
  await page.getByTestId("register-case").click();
  await page.getByTestId("kind-application").check();
  // Checked as typed: a wrong last digit is named, the right code lets the clerk register.
  await page.getByLabel("Personas kods vai reģistrācijas numurs").fill("161175-19996");
  await expect(page.getByRole("alert")).toContainText("pēdējais cipars nesakrīt");
  await expect(page.getByTestId("register-submit")).toBeDisabled();
  await page.getByLabel("Personas kods vai reģistrācijas numurs").fill("161175-19997");
  await expect(page.getByTestId("register-submit")).toBeEnabled();
  await expectAccessible(page);
  await page.getByTestId("register-submit").click();
  await expect(page.getByTestId("registered-number")).toHaveText("R1V-01-26-0004");
  // "Not yet" is amber, never the green that says done (issue 17: it was green).
  await expect(page.locator(".badge", { hasText: "vēl nav serverī" }).first()).toHaveCSS("background-color", "rgb(138, 90, 0)");
  await page.getByTestId("save-receipt").click();
  await expect(page.getByTestId("receipt-outcome")).toContainText(".pdf");
  // Kept where the clerk chooses, through the system's "Save as" dialog; cancelling is said.
  await page.getByTestId("receipt-outcome-save-as").click();
  await expect(page.getByTestId("receipt-outcome-kept")).toHaveText(/Saglabāts: \/home\/ilze\/Dokumenti\/.+\.pdf/);
  await page.evaluate(() => localStorage.setItem("fake-save-cancelled", "1"));
  await page.getByTestId("receipt-outcome-save-as").click();
  await expect(page.getByTestId("receipt-outcome-kept")).toHaveText("Nav saglabāts.");
  await page.evaluate(() => localStorage.removeItem("fake-save-cancelled"));

  await page.getByTestId("open-registered-case").click();
  const casePage = page.getByTestId("case-page");
  await expect(casePage.getByTestId("case-status")).toHaveText("Reģistrēta");
  await expect(casePage.getByTestId("add-note")).toBeDisabled();
  await casePage.getByTestId("new-note").fill("Atnesīs izziņu rīt");
  await casePage.getByTestId("add-note").click();
  await expect(casePage.getByTestId("case-notes")).toContainText("Atnesīs izziņu rīt");
  // A scan is attached by content: a program is refused with the reason, a PNG is kept and shown.
  await casePage.getByTestId("attach-document").setInputFiles({ name: "programma.exe", mimeType: "application/pdf", buffer: Buffer.from("MZ\x90\x00") });
  await expect(casePage.getByTestId("document-error")).toHaveText("Pievienojiet skenētu dokumentu: PDF, JPEG, PNG vai TIFF failu.");
  const png = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==", "base64");
  await casePage.getByTestId("attach-document").setInputFiles({ name: "izziņa.png", mimeType: "image/png", buffer: png });
  await expect(casePage.getByTestId("case-document")).toContainText("izziņa.png");
  await casePage.getByRole("button", { name: "Rādīt" }).click();
  await expect(casePage.getByRole("img", { name: "izziņa.png" })).toBeVisible();
  await casePage.getByTestId("save-document").click();
  // The copy is named by its file, not the desk's folder, and opens in the system's viewer.
  await expect(casePage.getByTestId("document-outcome")).toContainText("Saglabāta kopija 0190b2d8-0000-7000-8000-d00000000000 (glabājas");
  await expect(casePage.getByTestId("document-outcome")).not.toContainText("/tmp/");
  await casePage.getByTestId("document-outcome-open").click();
  const opened = await page.evaluate(() => (window as unknown as { __fake: { calls: [string, { name?: string }][] } }).__fake.calls.filter(([c]) => c === "open_saved_copy"));
  expect(opened.map(([, args]) => args.name)).toEqual(["0190b2d8-0000-7000-8000-d00000000000"]);
  await casePage.getByTestId("move-submitted").click();
  await expect(casePage.getByTestId("case-status")).toHaveText("Iesniegta iestādei");
  await expect(casePage.getByTestId("case-sync")).toHaveText("vēl nav serverī");
  await expectAccessible(page);
  // Cancelling is final: asked first, "no" has the focus; Esc and "no" change nothing, "yes" cancels.
  await casePage.getByTestId("move-cancelled").click();
  const question = page.getByTestId("confirm-status");
  await expect(question).toBeVisible();
  await expect(question.getByRole("heading")).toHaveText("Atcelt lietu R1V-01-26-0004?");
  await expect(page.getByTestId("confirm-no")).toBeFocused();
  await expectAccessible(page);
  if (process.env.PIETURA_SHOTS) await page.screenshot({ path: `${process.env.PIETURA_SHOTS}/case-confirm-cancel.png` });
  await page.keyboard.press("Escape");
  await expect(question).toHaveCount(0);
  await casePage.getByTestId("move-cancelled").click();
  await page.getByTestId("confirm-no").click();
  await expect(question).toHaveCount(0);
  await expect(casePage.getByTestId("case-status")).toHaveText("Iesniegta iestādei");
  await casePage.getByTestId("move-cancelled").click();
  await page.getByTestId("confirm-yes").click();
  await expect(casePage.getByTestId("case-status")).toHaveText("Atcelta");

  // The cases tab: the institution's change is listed first; opening it explains and clears it.
  await page.getByTestId("tab-cases").click();
  const changed = page.getByTestId("changed-cases");
  await expect(changed).toContainText("R1V-01-26-0003");
  await expect(page.getByTestId("cases-table")).toContainText("R1V-01-26-0004");
  await expectAccessible(page);
  await changed.getByTestId("changed-case-link").click();
  await expect(page.getByTestId("case-news")).toContainText("bija “Atcelta”, tagad “Tiek izskatīta”");
  await expect(page.getByTestId("case-timings")).toHaveText("gaidīja 4 minūtes · apkalpoja 5 minūtes līdz reģistrācijai");
  await expect(page.getByTestId("case-notes")).toContainText("iestāde lietu jau bija virzījusi tālāk");
  await expectAccessible(page);
  await page.keyboard.press("Escape");
  await expect(page.getByTestId("cases-screen")).toBeVisible();
  await expect(page.getByTestId("changed-cases")).toHaveCount(0);
});

test("an item's sync state is one state in every view and follows the server without reopening anything", async ({ page }) => {
  await enrolled(page);
  const fake = (call: "syncAll" | "offline") =>
    page.evaluate((c) => {
      const f = (window as unknown as { __fake: { syncAll(): void; setConnection(c: string): void } }).__fake;
      if (c === "syncAll") f.syncAll();
      else f.setConnection("offline");
    }, call);
  await fake("offline");
  await page.getByTestId("search-box").fill("sunu");
  await page.keyboard.press("Enter");
  await page.getByTestId("register-case").click();
  await page.getByLabel("Personas kods vai reģistrācijas numurs").fill("161175-19997");
  await page.getByTestId("register-submit").click();
  await expect(page.getByTestId("registered-sync")).toHaveText("vēl nav serverī");
  // The server takes it: the registration's own outcome says so where it is, unasked.
  await fake("syncAll");
  await expect(page.getByTestId("registered-sync")).toHaveCount(0);
  await page.getByTestId("open-registered-case").click();
  const casePage = page.getByTestId("case-page");
  await expect(casePage.getByTestId("case-sync")).toHaveText("Ir serverī");
  // A note made offline waits, then goes: the open page follows.
  await casePage.getByTestId("new-note").fill("Zvanīs rīt");
  await casePage.getByTestId("add-note").click();
  await expect(casePage.getByTestId("case-sync")).toHaveText("vēl nav serverī");
  await fake("syncAll");
  await expect(casePage.getByTestId("case-sync")).toHaveText("Ir serverī");
  await expect(casePage.getByTestId("case-notes")).toContainText("Zvanīs rīt");
  // The list of today's cases tells the same.
  await page.getByTestId("tab-cases").click();
  await expect(page.getByTestId("cases-table")).toContainText("R1V-01-26-0004");
  await expect(page.getByTestId("cases-table")).not.toContainText("vēl nav serverī");

  // A message waits in "to be sent" only until the server has it; then it is in Sent, delivered,
  // and nowhere said to be waiting.
  await page.getByTestId("tab-mail").click();
  await page.getByTestId("mail-write").click();
  await page.getByTestId("recipient-search").fill("ieņēmumu");
  await page.getByTestId("recipient-option").first().click();
  await page.getByTestId("mail-subject").fill("Par suni");
  await page.getByTestId("mail-body").fill("Lūdzam izskatīt.");
  await page.getByTestId("mail-send").click();
  await expect(page.getByTestId("mail-outbox")).toContainText("Par suni");
  await page.getByTestId("folder-sent").click();
  await expect(page.getByTestId("mail-messages")).not.toContainText("Par suni");
  await fake("syncAll");
  await expect(page.getByTestId("mail-outbox")).toHaveCount(0);
  const sent = page.getByTestId("mail-messages").locator("li", { hasText: "Par suni" });
  await expect(sent.getByTestId("message-state")).toHaveAttribute("data-state", "delivered");
  await expectAccessible(page);
});

test("e-address: write to an institution (queued), read the centre's mailbox, and read a customer's with their consent", async ({ page }) => {
  await enrolled(page);
  // One message waits unread in the centre's mailbox: the tab and the status bar say so.
  await expect(page.getByTestId("mail-unread-badge")).toHaveText("1");
  await expect(page.getByTestId("tab-mail")).toHaveAccessibleName("E-adrese (1 nelasīta)");
  await expect(page.getByTestId("mail-unread-count")).toHaveText("Centra pastkastītē 1 nelasīta vēstule");
  await page.getByTestId("tab-mail").click();
  const mail = page.getByTestId("mail-screen");
  await expect(mail).toContainText("Rīgas 1. VPVKAC");
  await expect(page.getByTestId("mail-messages")).toContainText("Atbilde uz iesniegumu");
  // Senders by name, as the server names their mailbox; the address where there is no name.
  await expect(page.getByTestId("mail-messages")).toContainText("Valsts ieņēmumu dienests ·");
  await page.getByTestId("folder-sent").click();
  await expect(page.getByTestId("mail-messages")).toContainText("Klienta pilnvara Valsts ieņēmumu dienests ·");
  await page.getByTestId("folder-inbox").click();
  // A clerk works the centre's mailbox; only its administrator sees who accessed it.
  await expect(page.getByTestId("mail-accesses")).toHaveCount(0);
  await page.evaluate(() => (window as unknown as { __fake: { setRoles(r: string[]): void } }).__fake.setRoles(["clerk", "admin"]));
  await page.getByTestId("tab-catalogue").click();
  await page.getByTestId("tab-mail").click();
  await page.getByTestId("mail-accesses").click();
  await expect(page.getByTestId("mail-access-list")).toContainText("161175-19997 · nosūtīja vēstuli");
  await expectAccessible(page);
  // A page at a time: the newest 50, then the older ones, and no more button at the end.
  await expect(page.getByTestId("mail-messages").locator("li")).toHaveCount(50);
  await page.getByTestId("mail-older").click();
  await expect(page.getByTestId("mail-messages").locator("li")).toHaveCount(56);
  await expect(page.getByTestId("mail-messages")).toContainText("Vēstule 55");
  await expect(page.getByTestId("mail-older")).toHaveCount(0);
  await expectAccessible(page);
  await page.getByTestId("mail-write").click();
  await page.getByTestId("recipient-search").fill("ieņēmumu");
  await page.getByTestId("recipient-option").first().click();
  await expect(page.getByTestId("compose-recipient")).toContainText("Valsts ieņēmumu dienests");
  await expect(page.getByTestId("mail-send")).toBeDisabled();
  await page.getByTestId("mail-subject").fill("Klienta iesniegums");
  await page.getByTestId("mail-body").fill("Lūdzam izskatīt.");
  // Files from this computer: a type the e-address does not take is refused at once; two PDFs
  // are attached and one taken off again.
  const pdf = Buffer.from("%PDF-1.7\n%%EOF\n");
  await expect(page.locator("label[for=compose-file].file-button")).toHaveText("Izvēlēties datnes");
  await expect(page.getByTestId("compose-file")).toHaveClass(/visually-hidden/);
  await page.getByTestId("compose-file").setInputFiles({ name: "programma.exe", mimeType: "application/octet-stream", buffer: Buffer.from("MZ") });
  await expect(page.getByTestId("compose-error")).toContainText("atļautajos formātos");
  await page.getByTestId("compose-file").setInputFiles([
    { name: "iesniegums.pdf", mimeType: "application/pdf", buffer: pdf },
    { name: "pilnvara.pdf", mimeType: "application/pdf", buffer: pdf },
  ]);
  await expect(page.getByTestId("compose-files")).toContainText("pilnvara.pdf");
  await page.getByRole("button", { name: "Noņemt pilnvara.pdf" }).click();
  await expect(page.getByTestId("compose-files")).not.toContainText("pilnvara.pdf");
  await expectAccessible(page);
  await page.getByTestId("mail-send").click();
  await expect(page.getByTestId("mail-outbox")).toContainText("Klienta iesniegums");
  // The recipient by the catalogue's name, not its address.
  await expect(page.getByTestId("mail-outbox")).toContainText("Valsts ieņēmumu dienests");
  await expect(page.getByTestId("mail-outbox")).toContainText("iesniegums.pdf");
  await expect(page.getByTestId("mail-outbox").getByTestId("message-state")).toHaveAttribute("data-state", "queued");
  await page.getByRole("button", { name: "Atbilde uz iesniegumu" }).click();
  // Read now: nothing waits (the engine's round the opening woke pushes the new count).
  await expect(page.getByTestId("mail-unread-badge")).toHaveCount(0, { timeout: 8000 });
  await expect(page.getByTestId("mail-opened")).toContainText("Jūsu iesniegums ir saņemts.");
  // Answer it: to its sender, named from the catalogue, the subject marked as an answer.
  await page.getByTestId("mail-reply").click();
  await expect(page.getByTestId("compose-recipient")).toContainText("Valsts ieņēmumu dienests");
  await expect(page.getByTestId("compose-reply-to")).toContainText("Atbilde uz “Atbilde uz iesniegumu”");
  await expect(page.getByTestId("mail-subject")).toHaveValue("Atb.: Atbilde uz iesniegumu");
  await expectAccessible(page);
  await page.getByTestId("mail-send").click();
  await expect(page.getByTestId("mail-outbox")).toContainText("Atb.: Atbilde uz iesniegumu");
  const answered = await page.evaluate(() => JSON.parse(localStorage.getItem("fake-backend") || "{}").mail.queued[0]);
  expect(answered.in_reply_to).toBeTruthy();
  expect(answered.recipients).toEqual(["_DEFAULT@90000069281"]);

  // The customer's consent, signed with their card: their inbox, until it is ended.
  await page.getByTestId("new-visit").click();
  await page.getByLabel("Personas kods vai reģistrācijas numurs").fill("290156-11605");
  await page.getByTestId("start-visit").click();
  await page.getByTestId("consent-start").click();
  await page.getByTestId("consent-ask").click();
  await expect(page.getByTestId("consent-text")).toContainText("lasīt manu e-adreses pastkastīti kopā ar mani 30 minūtes");
  await expectAccessible(page);
  await page.getByTestId("consent-pin").fill("0000");
  await page.getByTestId("consent-sign").click();
  await expect(page.getByTestId("consent-error")).toHaveText("Nepareizs PIN.");
  await page.getByTestId("consent-pin").fill("4321");
  await page.getByTestId("consent-sign").click();
  await expect(page.getByTestId("consent-active")).toContainText("Piekrišana ir spēkā");
  await expect(page.getByTestId("consent-inbox")).toContainText("Paziņojums par nodokli");
  // Open it with the customer and print its PDF for them; a spreadsheet is left to the portal.
  await page.getByTestId("consent-inbox").getByRole("button", { name: "Paziņojums par nodokli" }).click();
  await expect(page.getByTestId("consent-opened")).toContainText("Nodokļa paziņojums pielikumā.");
  await expect(page.getByTestId("consent-attachments")).toContainText("tabula.xlsx");
  await page.getByRole("button", { name: "Drukāt: paziņojums.pdf" }).click();
  // The preview first: the page, the default printer chosen, one copy; Esc prints nothing.
  const preview = page.getByTestId("print-dialog");
  await expect(preview.getByRole("img", { name: "1. lapa no 1" })).toBeVisible();
  await expect(preview.getByTestId("print-printer")).toHaveValue("Kopetajs");
  await expectAccessible(page);
  if (process.env.PIETURA_SHOTS) await page.screenshot({ path: `${process.env.PIETURA_SHOTS}/print-preview-lv.png` });
  await page.keyboard.press("Escape");
  await expect(preview).toHaveCount(0);
  await expect(page.getByTestId("consent-attachment-outcome")).toHaveText("Nav drukāts.");
  await page.getByRole("button", { name: "Drukāt: paziņojums.pdf" }).click();
  await preview.getByTestId("print-printer").selectOption("Zale_HP");
  await preview.getByTestId("print-copies").fill("0");
  await preview.getByTestId("print-confirm").click();
  await expect(preview.getByTestId("print-error")).toHaveText("Eksemplāru skaits: no 1 līdz 20.");
  await preview.getByTestId("print-copies").fill("2");
  await preview.getByTestId("print-confirm").click();
  await expect(page.getByTestId("consent-attachment-outcome")).toHaveText("Nosūtīts uz printeri.");
  const printed = await page.evaluate(() => JSON.parse(localStorage.getItem("fake-backend") || "{}").lastPrint);
  expect(printed).toEqual({ title: "paziņojums.pdf", printer: "Zale_HP", copies: 2 });
  await expectAccessible(page);
  await page.getByTestId("consent-accesses").click();
  await expect(page.getByTestId("consent-access-list")).toContainText("deva piekrišanu");
  // The customer's own doing is "klients"; the clerk's is the centre's, with the basis.
  await expect(page.getByTestId("consent-access-list").getByText(/klients · deva piekrišanu · ar klienta piekrišanu/)).toBeVisible();
  await expect(page.getByTestId("consent-access-list")).toContainText("Rīgas VPVKAC · skatīja pastkastīti · ar klienta piekrišanu");
  await expect(page.getByTestId("consent-access-list")).not.toContainText("person:");
  await expectAccessible(page);
  await page.getByTestId("consent-end").click();
  await expect(page.getByTestId("consent-start")).toBeVisible();
});

test("e-forms: filled with the customer step by step, problems at their fields, kept and resumed, in Latvian and English", async ({ page }) => {
  await enrolled(page);
  await page.getByTestId("search-box").fill("sunu nodev");
  await page.keyboard.press("Enter");
  // Without a customer being served, the form cannot be started: the page says why.
  const forms = page.getByTestId("service-forms");
  await expect(forms).toContainText("Vispirms sāciet apkalpot klientu");
  await expect(forms.getByRole("button", { name: "Aizpildīt kopā ar klientu" })).toBeDisabled();
  await page.getByTestId("new-visit").click();
  await page.getByLabel("Personas kods vai reģistrācijas numurs").fill("290156-11605");
  await page.getByTestId("start-visit").click();
  await forms.getByRole("button", { name: "Aizpildīt kopā ar klientu" }).click();

  const screen = page.getByTestId("form-screen");
  await expect(screen.getByTestId("form-step-title")).toHaveText("Solis 1 no 2: Suņa īpašnieks");
  // Prefilled from the visit; a wrong code is said at its field in words, not as a JSON pointer.
  await expect(page.getByTestId("form-field-applicant_code")).toHaveValue("290156-11605");
  await page.getByTestId("form-field-applicant_name").fill("Oskars Kalns");
  await page.getByTestId("form-field-applicant_code").fill("290156-11606");
  await expect(page.getByTestId("form-field-applicant_code-error")).toHaveText(
    "Personas kodam jābūt 11 cipariem (piemēram, 010190-12345) ar pareizu kontrolciparu.",
  );
  await expect(page.getByTestId("form-field-applicant_code")).toHaveAttribute("aria-invalid", "true");
  await expectAccessible(page);
  await page.getByTestId("form-next").click();
  await expect(page.getByTestId("form-announce")).toHaveText("1 laukā ir kļūda: izlabojiet to, lai turpinātu.");
  await expect(page.getByTestId("form-field-applicant_code")).toBeFocused();
  await page.getByTestId("form-field-applicant_code").fill("290156-11605");
  await expect(page.getByTestId("form-save-state")).toHaveText("Saglabāts");
  await page.getByTestId("form-next").click();
  await expect(screen.getByTestId("form-step-title")).toHaveText("Solis 2 no 2: Suns");
  await expect(screen.getByTestId("form-step-title")).toBeFocused();
  await page.getByTestId("form-next").click();
  await expect(page.getByTestId("form-field-relief-error")).toHaveText("Aizpildiet šo lauku.");
  await page.getByTestId("form-field-relief-pensioner").check();
  // A file is checked as it is picked: a program is refused with the reason, a PDF is kept.
  // The file picker is a button in the clerk's language, not the browser's English "Choose Files".
  await expect(page.locator("label[for=form-field-proof].file-button")).toHaveText("Pievienot datnes no šī datora");
  await expect(page.getByTestId("form-field-proof")).toHaveClass(/visually-hidden/);
  await page.getByTestId("form-field-proof").setInputFiles({ name: "programma.exe", mimeType: "application/octet-stream", buffer: Buffer.from("MZ") });
  await expect(page.getByTestId("form-field-proof-file-problem")).toContainText("programma.exe: Ne vairāk kā 10 pielikumu atļautajos formātos");
  await page.getByTestId("form-field-proof").setInputFiles({ name: "apliecība.pdf", mimeType: "application/pdf", buffer: Buffer.from("%PDF-1.4 apliecība") });
  await expect(page.getByTestId("form-field-proof-files")).toContainText("apliecība.pdf");
  if (process.env.PIETURA_SHOTS) await page.screenshot({ path: `${process.env.PIETURA_SHOTS}/form-file-field.png` });
  await expectAccessible(page);

  // Closing keeps the draft: the customer bar offers it again, at the step it was left.
  await page.getByTestId("form-back-to").click();
  const resume = page.getByTestId("customer-drafts").getByRole("button");
  await expect(resume).toContainText("Suņu turēšanas nodevas atvieglojuma pieteikums (Solis 2 no 2)");
  await resume.click();
  await expect(screen.getByTestId("form-step-title")).toHaveText("Solis 2 no 2: Suns");
  await expect(page.getByTestId("form-field-relief-pensioner")).toBeChecked();
  await page.getByTestId("form-field-confirm-true").check();
  await page.getByTestId("form-next").click();

  // The review shows the answers as the institution will receive them.
  const review = page.getByTestId("form-review");
  await expect(review.getByTestId("review-relief")).toHaveText("esmu pensionārs");
  await expect(review.getByTestId("review-confirm")).toHaveText("Jā");
  await expect(review.getByTestId("review-proof")).toHaveText("apliecība.pdf");
  await expect(review.getByTestId("form-review-errors")).toHaveCount(0);
  await expectAccessible(page);

  // In English: every step's words, and the problems too.
  await page.getByRole("button", { name: "English" }).click();
  await expect(review).toContainText("This is how the institution will receive the answers");
  await review.getByTestId("form-edit-owner").click();
  await expect(screen.getByTestId("form-step-title")).toContainText("Step 1 of 2");
  await page.getByTestId("form-field-applicant_name").fill("");
  await expect(page.getByTestId("form-field-applicant_name-error")).toHaveText("Fill in this field.");
  await expectAccessible(page);

  // Back in Latvian and complete again: submitted only after a question, then the case page shows
  // it submitted with its message to Riga, the application and the file.
  await page.getByRole("button", { name: "Latviešu" }).click();
  await page.getByTestId("form-field-applicant_name").fill("Oskars Kalns");
  await expect(page.getByTestId("form-save-state")).toHaveText("Saglabāts");
  await page.getByTestId("form-next").click();
  await page.getByTestId("form-next").click();
  await expect(review).toBeVisible();
  await review.getByTestId("form-submit").click();
  const confirm = review.getByTestId("form-confirm");
  await expect(confirm).toContainText("Klients paraksta šo pieteikumu ar savu eID karti");
  await expect(confirm.getByTestId("form-pin2")).toBeFocused();
  await expectAccessible(page);
  if (process.env.PIETURA_SHOTS) await page.screenshot({ path: `${process.env.PIETURA_SHOTS}/form-confirm.png`, fullPage: true });
  await confirm.getByRole("button", { name: "Nē, vēl pārbaudīt" }).click();
  await expect(confirm).toHaveCount(0);
  await review.getByTestId("form-submit").click();
  // The applicant signs: without their card in the second reader the question says so; with it,
  // whose card it is and the PIN2 tries; the button waits for the PIN.
  await expect(review.getByTestId("form-signer")).toContainText("Nav klienta kartes");
  await page.evaluate(() => {
    const fake = (window as unknown as { __fake: { state: Record<string, unknown> } }).__fake;
    fake.state.customerCard = { reader: "Lasītājs 2", holder: "OSKARS KALNS", personal_code: "290156-11605",
      not_before: "2025-01-01T00:00:00Z", not_after: "2030-01-01T00:00:00Z", pin_tries_left: 3, pin_pad: false };
  });
  await review.getByTestId("form-signer-again").click();
  await expect(review.getByTestId("form-signer")).toContainText("Paraksta: OSKARS KALNS");
  await expect(review.getByTestId("form-signer")).toContainText("atlikušie mēģinājumi: 3");
  await expect(review.getByTestId("form-confirm-submit")).toBeDisabled();
  // The customer sees the pages they sign before they type PIN2.
  await expect(review.getByTestId("form-signed-page")).toHaveCount(2);
  await expect(review.getByTestId("form-signed-page").first()).toHaveAttribute("alt", "Pieteikuma 1. lapa no 2");
  await review.getByTestId("form-pin2").fill("000000");
  await review.getByTestId("form-confirm-submit").click();
  // A wrong PIN2 keeps the question open and says how many tries are left.
  await expect(review.getByTestId("form-submit-problem")).toHaveText("Nepareizs PIN2. Atlikuši 2 mēģinājumi.");
  await expect(review.getByTestId("form-pin2")).toBeFocused();
  await expect(review.getByTestId("form-signer")).toContainText("atlikušie mēģinājumi: 2");
  // A blocked PIN2 is explained, and nothing can be signed with that card.
  await page.evaluate(() => {
    const fake = (window as unknown as { __fake: { state: Record<string, unknown> } }).__fake;
    fake.state.pin2Tries = 0;
  });
  await review.getByTestId("form-signer-again").click();
  await expect(review.getByTestId("form-pin2-blocked")).toContainText("PIN2 ir bloķēts");
  await expect(review.getByTestId("form-pin2")).toHaveCount(0);
  await expect(review.getByTestId("form-confirm-submit")).toBeDisabled();
  await expectAccessible(page);
  await page.evaluate(() => {
    const fake = (window as unknown as { __fake: { state: Record<string, unknown> } }).__fake;
    fake.state.pin2Tries = 2;
  });
  await review.getByTestId("form-signer-again").click();
  await review.getByTestId("form-pin2").fill("654321");
  await expectAccessible(page);
  await review.getByTestId("form-confirm-submit").click();
  const done = page.getByTestId("form-submitted");
  await expect(done).toContainText("Pieteikums iesniegts");
  await expect(done).toContainText("Rīgas valstspilsētas pašvaldība");
  // The visit lists it: the customer's receipt of what was done on their behalf.
  await expect(page.getByTestId("customer-bar")).toContainText("1 darbība līdz šim");
  await expectAccessible(page);
  if (process.env.PIETURA_SHOTS) await page.screenshot({ path: `${process.env.PIETURA_SHOTS}/form-submitted.png` });
  await done.getByTestId("form-open-case").click();
  const casePage = page.getByTestId("case-page");
  await expect(casePage.getByTestId("case-status")).toHaveText("Iesniegta iestādei");
  await expect(casePage).toContainText("application.json");
  await expect(casePage).toContainText("apliecība.pdf");
  if (process.env.PIETURA_SHOTS) await page.screenshot({ path: `${process.env.PIETURA_SHOTS}/form-case.png`, fullPage: true });
  // The draft is gone from the customer bar.
  await expect(page.getByTestId("customer-drafts")).toHaveCount(0);
  await page.getByRole("button", { name: "English" }).click();
  await expect(casePage.getByTestId("case-status")).toHaveText("Submitted to the institution");
  await expectAccessible(page);
});

test("life-situation navigator: questions shape the plan, a step opens its service and back keeps the answers, the plan is saved", async ({ page }) => {
  await enrolled(page);
  await page.getByRole("navigation", { name: "Dzīves situācijas" }).getByRole("button", { name: "Bērna piedzimšana" }).click();
  const plan = page.getByTestId("plan-page");
  await expect(plan.getByRole("heading", { level: 1 })).toHaveText("Bērna piedzimšana");
  const steps = page.getByTestId("plan-steps").getByRole("listitem");
  await expect(steps).toHaveCount(2);
  await expect(steps.nth(1)).toContainText("ja attiecas");
  await expectAccessible(page);
  // "No, not in Riga": the queue is left out, with why.
  await page.getByTestId("answer-riga-no").click();
  await expect(page.getByTestId("answer-riga-no")).toHaveAttribute("aria-pressed", "true");
  await expect(steps).toHaveCount(1);
  await expect(page.getByTestId("plan-left-out")).toContainText("Rinda ir savā pašvaldībā.");
  await expectAccessible(page);
  await page.screenshot({ path: "../target/e2e/desk-plan-lv.png" });
  // A step opens its service (to register a case there); back returns with the answer kept.
  await steps.first().getByRole("button", { name: "Bērna dzimšanas reģistrācija" }).click();
  await expect(page.getByTestId("service-page")).toBeVisible();
  await page.keyboard.press("Escape");
  await expect(page.getByTestId("answer-riga-no")).toHaveAttribute("aria-pressed", "true");
  // Pressing the chosen answer again takes it back.
  await page.getByTestId("answer-riga-no").click();
  await expect(steps).toHaveCount(2);
  await page.getByTestId("answer-riga-no").click();
  await page.getByTestId("save-plan").click();
  await expect(page.getByTestId("plan-outcome")).toContainText("plan-birth.pdf");
  await page.getByTestId("print-plan").click();
  await page.getByTestId("print-dialog").getByTestId("print-confirm").click();
  await expect(page.getByTestId("plan-outcome")).toHaveText("Nosūtīts uz printeri.");
  // The same plan in English.
  await page.getByRole("button", { name: "English" }).click();
  await expect(plan.getByRole("heading", { level: 1 })).toHaveText("A child is born");
  await expect(page.getByTestId("plan-left-out")).toContainText("The queue is at your own municipality.");
  await expectAccessible(page);
});

test("the header fits from 1024 px up: nothing overlaps, nothing is cut off, no sideways scrolling", async ({ page }) => {
  await enrolled(page);
  for (const width of [1024, 1200, 1440]) {
    await page.setViewportSize({ width, height: 800 });
    for (const language of ["Latviešu", "English"]) {
      await page.getByRole("button", { name: language }).click();
      const layout = await page.evaluate(() => {
        const header = document.querySelector(".app-header")!;
        const boxes = [...header.children].map((child) => child.getBoundingClientRect());
        const overlaps = boxes.flatMap((a, i) =>
          boxes.slice(i + 1).filter((b) => a.left < b.right - 1 && b.left < a.right - 1 && a.top < b.bottom - 1 && b.top < a.bottom - 1).map(() => i),
        );
        // Every piece of text inside the header is whole: none clipped by its box.
        const clipped = [...header.querySelectorAll("span, button")]
          .filter((el) => el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).textOverflow !== "ellipsis")
          .map((el) => el.textContent);
        return {
          scrolls: document.documentElement.scrollWidth > document.documentElement.clientWidth,
          overlaps,
          clipped,
          right: Math.max(...boxes.map((b) => b.right)),
        };
      });
      expect(layout, `at ${width} px in ${language}`).toEqual({ scrolls: false, overlaps: [], clipped: [], right: expect.any(Number) });
      expect(layout.right, `at ${width} px in ${language}`).toBeLessThanOrEqual(width);
      if (width === 1024) await page.screenshot({ path: `../target/e2e/desk-header-1024-${language === "English" ? "en" : "lv"}.png` });
    }
  }
});

test("the centre administrator: figures as charts with tables, staff roles and devices, asked before anything final, in Latvian and English", async ({ page }) => {
  await page.evaluate(() => localStorage.setItem("fake-backend-roles", JSON.stringify(["clerk", "admin"])));
  await enrolled(page);
  await page.getByTestId("tab-admin").click();
  await expect(page.getByRole("heading", { name: "Centra pārvaldība" })).toBeVisible();
  // The overview: today, the month, messages; two charts, each with its table for screen readers.
  await expect(page.getByTestId("figure-month")).toHaveText("312");
  await expect(page.getByTestId("figure-messages")).toHaveText("41 nosūtītas, 33 izlasītas");
  await expect(page.getByTestId("admin-read-at")).toContainText("Dati no servera");
  await expect(page.getByTestId("chart-cases").locator("canvas")).toHaveCount(1);
  await expect(page.getByTestId("chart-times").locator("canvas")).toHaveCount(1);
  await expect(page.getByTestId("by-service")).toContainText("Suņa reģistrācija");
  await expect(page.getByTestId("by-channel")).toContainText("VPVKAC klātienē");
  await expect(page.getByTestId("by-clerk")).toContainText("ILZE OZOLIŅA (161175-19997)");
  // What another desk could not send, as it said at its last contact.
  await expect(page.getByTestId("outbox-Galds 2")).toContainText("3 gaida nosūtīšanu (kopš");
  await expect(page.getByTestId("outbox-Galds 2")).toContainText("1 serveris noraidīja");
  await page.getByText("Rādīt kā tabulu").first().click();
  await expect(page.getByTestId("table-cases").locator("tbody tr")).toHaveCount(30);
  await expectAccessible(page);
  if (process.env.PIETURA_SHOTS) await page.screenshot({ path: `${process.env.PIETURA_SHOTS}/admin-overview-lv.png`, fullPage: true });
  await page.getByTestId("admin-save-csv").click();
  await expect(page.getByTestId("admin-csv-saved")).toContainText("pietura-R1V-2026-12-05.csv");

  // Staff: a role granted by personal code; taking one away asks first (Esc keeps it).
  await page.getByTestId("admin-tab-staff").click();
  await expect(page.getByTestId("staff-161175-19997")).toContainText("ILZE OZOLIŅA");
  await expect(page.getByTestId("revoke-161175-19997-admin")).toHaveCount(0);
  await page.getByLabel("Personas kods").fill("290156-11605");
  await page.getByLabel("Loma").selectOption("clerk");
  await page.getByTestId("grant-submit").click();
  await expect(page.getByTestId("staff-message")).toContainText("piešķirta personai 290156-11605");
  await expect(page.getByTestId("staff-290156-11605")).toContainText("Vēl nav pieslēdzies");
  await expectAccessible(page);
  await page.getByTestId("revoke-290156-11605-clerk").click();
  const ask = page.getByTestId("revoke-role-dialog");
  await expect(ask).toContainText("zaudēs lomu");
  await expect(ask.getByTestId("confirm-no")).toBeFocused();
  await expectAccessible(page);
  if (process.env.PIETURA_SHOTS) await page.screenshot({ path: `${process.env.PIETURA_SHOTS}/admin-staff-confirm-lv.png` });
  await page.keyboard.press("Escape");
  await expect(ask).toHaveCount(0);
  await expect(page.getByTestId("staff-290156-11605")).toBeVisible();
  await page.getByTestId("revoke-290156-11605-clerk").click();
  await page.getByTestId("confirm-yes").click();
  await expect(page.getByTestId("staff-290156-11605")).toHaveCount(0);

  // Devices: a kiosk added shows its one-time code; this desk cannot revoke itself; another
  // desk is revoked after the question.
  await page.getByTestId("admin-tab-devices").click();
  await expect(page.getByTestId("device-outbox-Galds 1")).toHaveText("viss nosūtīts");
  await expect(page.getByTestId("device-outbox-Galds 2")).toContainText("1 serveris noraidīja");
  await expect(page.getByTestId("device-outbox-Bibliotēkas kiosks")).toHaveText("—");
  // The fleet: a device on an older version, and one not heard from for a day, said so.
  await expect(page.getByTestId("device-version-Bibliotēkas kiosks")).toContainText("novecojusi: citur jau 0.1.0");
  await expect(page.getByTestId("device-version-Galds 1")).toHaveText("0.1.0");
  await expect(page.getByTestId("device-seen-Galds 2")).toContainText("nav sazinājusies vairāk nekā dienu");
  await expect(page.getByTestId("device-seen-Galds 1")).not.toContainText("nav sazinājusies");
  await page.getByTestId("device-kind-kiosk").check();
  await page.getByLabel("Nosaukums").fill("Lasītavas kiosks");
  await page.getByTestId("add-device").click();
  await expect(page.getByTestId("device-code-value")).toHaveText("4HWN-P7QK");
  await expect(page.getByTestId("device-Lasītavas kiosks")).toContainText("Gaida pieslēgšanu");
  await page.getByLabel("Nosaukums").fill("Lasītavas kiosks");
  await page.getByTestId("add-device").click();
  await expect(page.getByTestId("device-message")).toHaveText("Centrā jau ir ierīce ar šo nosaukumu: izvēlieties citu.");
  await expect(page.getByTestId("revoke-device-Galds 1")).toHaveCount(0);
  await page.getByTestId("revoke-device-Galds 2").click();
  await expect(page.getByTestId("revoke-device-dialog")).toContainText("vairs nevarēs sazināties");
  await page.getByTestId("confirm-yes").click();
  await expect(page.getByTestId("device-Galds 2")).toContainText("Atsaukta");
  await expectAccessible(page);
  if (process.env.PIETURA_SHOTS) await page.screenshot({ path: `${process.env.PIETURA_SHOTS}/admin-devices-lv.png`, fullPage: true });

  // English, every part.
  await page.getByRole("button", { name: "English" }).click();
  await expect(page.getByRole("heading", { name: "Running the centre" })).toBeVisible();
  await expect(page.getByTestId("device-Galds 2")).toContainText("Revoked");
  await expectAccessible(page);
  await page.getByTestId("admin-tab-staff").click();
  await expect(page.getByRole("table", { name: "The centre's staff" })).toBeVisible();
  await expectAccessible(page);
  await page.getByTestId("admin-tab-overview").click();
  await expect(page.getByTestId("figure-messages")).toHaveText("41 sent, 33 read");
  await expect(page.getByTestId("by-channel")).toContainText("At a VPVKAC");
  await expectAccessible(page);
  if (process.env.PIETURA_SHOTS) await page.screenshot({ path: `${process.env.PIETURA_SHOTS}/admin-overview-en.png`, fullPage: true });

  // Offline: the last figures, marked with their time; changes wait for the server.
  await page.evaluate(() => (window as unknown as { __fake: { setConnection(c: string): void } }).__fake.setConnection("offline"));
  await page.getByTestId("admin-tab-staff").click();
  await expect(page.getByTestId("admin-stored")).toContainText("The server cannot be reached: showing the last figures received");
  await expect(page.getByTestId("grant-submit")).toBeDisabled();
});

test("a clerk without the administrator role has no centre screen", async ({ page }) => {
  await enrolled(page);
  await expect(page.getByTestId("tab-cases")).toBeVisible();
  await expect(page.getByTestId("tab-admin")).toHaveCount(0);
});

test("logging out or closing the desk mid-visit asks first and offers to finish the visit", async ({ page }) => {
  await enrolled(page);
  await page.getByTestId("new-visit").click();
  await page.getByLabel("Personas kods vai reģistrācijas numurs").fill("290156-11605");
  await page.getByTestId("start-visit").click();
  await expect(page.getByTestId("visit-customer")).toHaveText("290156-11605");
  // Log out: asked; going back leaves the clerk at the button that finishes the visit.
  await page.getByTestId("log-out").click();
  const ask = page.getByTestId("leave-dialog");
  await expect(ask).toContainText("Jūs vēl apkalpojat 290156-11605");
  await expect(ask.getByTestId("confirm-no")).toBeFocused();
  await expectAccessible(page);
  if (process.env.PIETURA_SHOTS) await page.screenshot({ path: `${process.env.PIETURA_SHOTS}/leave-mid-visit-lv.png` });
  await page.keyboard.press("Escape");
  await expect(ask).toHaveCount(0);
  await expect(page.getByTestId("end-visit-print")).toBeFocused();
  await expect(page.getByTestId("logged-in-person")).toBeVisible();
  // The window's close button, as the desk's shell reports it: asked too, in English here.
  await page.getByRole("button", { name: "English" }).click();
  await page.evaluate(() => (window as unknown as { __fake: { emit(e: string): void } }).__fake.emit("close-requested"));
  await expect(ask).toContainText("Closing the desk ends the visit without a receipt");
  await ask.getByTestId("confirm-yes").click();
  await expect.poll(() => page.evaluate(() => JSON.parse(localStorage.getItem("fake-backend") || "{}").closed)).toBe(true);
  // Finished properly, the visit no longer holds anyone back.
  await page.getByTestId("end-visit-pdf").click();
  await expect(page.getByTestId("new-visit")).toBeVisible();
  await page.getByTestId("log-out").click();
  await expect(ask).toHaveCount(0);
  await expect(page.getByTestId("logged-in-person")).toHaveCount(0);
});

test("the customer panel stays put while a code is typed: nothing moves under the pointer", async ({ page }) => {
  await enrolled(page);
  await page.getByTestId("new-visit").click();
  const field = page.getByLabel("Personas kods vai reģistrācijas numurs");
  const start = page.getByTestId("start-visit");
  const search = page.getByTestId("search-box");
  const where = async () => ({
    field: await field.boundingBox(),
    start: await start.boundingBox(),
    search: await search.boundingBox(),
  });
  const before = await where();
  for (const typed of ["2901", "290156-11605", "290156-11604", "40003521600", ""]) {
    await field.fill(typed);
    // Let the check of the code answer (the hint turns into the kind of customer or a problem).
    await page.waitForTimeout(150);
    expect(await where(), `after typing ${JSON.stringify(typed)}`).toEqual(before);
  }
  for (const width of [1024, 1280]) {
    await page.setViewportSize({ width, height: 800 });
    const wide = await where();
    for (const typed of ["290156-11604", "290156-11605"]) {
      await field.fill(typed);
      await page.waitForTimeout(150);
      expect(await where(), `at ${width} px after ${typed}`).toEqual(wide);
    }
  }
});

test("a training desk says so on every screen, in both languages", async ({ page }) => {
  await page.evaluate(() => localStorage.setItem("fake-training", "1"));
  await enrolled(page);
  const banner = page.getByTestId("training-banner");
  await expect(banner).toContainText("MĀCĪBAS");
  for (const tab of ["tab-cases", "tab-mail", "tab-catalogue"]) {
    await page.getByTestId(tab).click();
    await expect(banner).toBeVisible();
  }
  await page.getByRole("button", { name: "English" }).click();
  await expect(banner).toContainText("TRAINING — this is a training desk");
  await expectAccessible(page);
  if (process.env.PIETURA_SHOTS) await page.screenshot({ path: `${process.env.PIETURA_SHOTS}/training-banner-en.png` });
  // A desk in normal use shows none.
  await page.evaluate(() => localStorage.removeItem("fake-training"));
  await page.reload();
  await expect(page.getByTestId("search-box")).toBeVisible();
  await expect(banner).toHaveCount(0);
});

test("a trainer opens a workshop, follows every seat live, and starts a seat again after a question", async ({ page }) => {
  await page.evaluate(() => {
    localStorage.setItem("fake-training", "1");
    localStorage.setItem("fake-backend-roles", JSON.stringify(["trainer"]));
  });
  await enrolled(page);
  await page.getByTestId("tab-training").click();
  await expect(page.getByRole("heading", { name: "Mācību darbnīcas" })).toBeVisible();
  await expect(page.getByTestId("workshop-open")).toBeDisabled();
  await page.getByTestId("scenario-birth").check();
  await page.getByTestId("scenario-retirement").check();
  await page.getByLabel("Darba vietu skaits (1–30)").fill("2");
  await expectAccessible(page);
  await page.getByTestId("workshop-open").click();
  // The seats' codes come with the opening, for the handouts.
  await expect(page.getByTestId("workshop-name")).toHaveText("Mācības 1");
  await expect(page.getByTestId("seat-code-1")).toHaveText("7KQ1-M9XD");
  await page.getByTestId("save-handouts").click();
  await expect(page.getByTestId("handouts-outcome")).toContainText("macibas-1.pdf");
  const cell = page.getByTestId("progress-1-birth");
  await expect(cell).toContainText("Reģistrējiet lietu: gaida");
  // Seat 1 registers the case: the grid shows it without being asked (it reads every 5 s).
  await page.evaluate(() => {
    const f = (window as unknown as { __fake: { trainingStep(a: number, b: string, c: string, d: string): void } }).__fake;
    f.trainingStep(1, "birth", "register", "done");
    f.trainingStep(1, "birth", "submit", "done");
  });
  await expect(cell).toHaveAttribute("data-finished", "yes", { timeout: 8000 });
  await expect(cell).toContainText("Pabeigts");
  await expect(page.getByTestId("progress-2-birth")).toHaveAttribute("data-finished", "no");
  await expect(page.getByTestId("seat-attended-2")).toHaveText("vēl nav pieslēdzies");
  // The attendance and completion record, saved for the trainer's signature.
  await page.getByTestId("save-record").click();
  await expect(page.getByTestId("record-outcome")).toContainText("macibas-1-rezultati.pdf");
  await expectAccessible(page);
  if (process.env.PIETURA_SHOTS) await page.screenshot({ path: `${process.env.PIETURA_SHOTS}/training-workshop-lv.png`, fullPage: true });
  // Starting a seat again asks first; Esc keeps it.
  await page.getByTestId("reset-seat-1").click();
  await expect(page.getByTestId("reset-dialog")).toContainText("vairs netiks ieskaitīts");
  await page.keyboard.press("Escape");
  await expect(cell).toHaveAttribute("data-finished", "yes");
  await page.getByTestId("reset-seat-1").click();
  await page.getByTestId("confirm-yes").click();
  await expect(cell).toHaveAttribute("data-finished", "no");
  await expect(cell).toContainText("Reģistrējiet lietu: gaida");
  // In English too.
  await page.getByRole("button", { name: "English" }).click();
  await expect(page.getByTestId("workshop-grid")).toContainText("Register a case: waiting");
  await expectAccessible(page);
});

test("a clerk at a training desk has no training tab", async ({ page }) => {
  await page.evaluate(() => localStorage.setItem("fake-training", "1"));
  await enrolled(page);
  await expect(page.getByTestId("tab-catalogue")).toBeVisible();
  await expect(page.getByTestId("tab-training")).toHaveCount(0);
});

test("a trainee puts in a training card by the code on their handout, then logs in with its PIN", async ({ page }) => {
  await page.evaluate(() => localStorage.setItem("fake-training", "1"));
  await open(page);
  await page.getByLabel("Servera adrese").fill("https://pietura.example");
  await page.getByLabel("Pievienošanas kods").fill("7KQ2-M9XD");
  await page.getByRole("button", { name: "Pievienot" }).click();
  await page.evaluate(() => (window as unknown as { __fake: { removeCard(): void } }).__fake.removeCard());
  const form = page.getByTestId("training-card");
  await expect(form).toBeVisible();
  await form.getByLabel("Personas kods no jūsu dalībnieka lapas").fill("290156-11605");
  await form.getByTestId("training-card-insert").click();
  await expect(page.getByTestId("training-card-error")).toBeVisible();
  await form.getByLabel("Personas kods no jūsu dalībnieka lapas").fill("010718-20007");
  await form.getByTestId("training-card-insert").click();
  await expect(page.getByTestId("training-card-inserted")).toContainText("ANNA BĒRZIŅA");
  await expectAccessible(page);
  await page.getByLabel("PIN1").fill("1234");
  await page.getByRole("button", { name: "Pieslēgties" }).click();
  await expect(page.getByTestId("search-box")).toBeFocused();
});

test("at a training desk, reading the customer's card first puts in the training card of the code typed", async ({ page }) => {
  await page.evaluate(() => localStorage.setItem("fake-training", "1"));
  await enrolled(page);
  await page.getByTestId("search-box").fill("sunu");
  await page.keyboard.press("Enter");
  await page.getByTestId("register-case").click();
  await page.getByLabel("Personas kods vai reģistrācijas numurs").fill("010718-21008");
  await page.getByRole("button", { name: "Nolasīt klienta karti" }).first().click();
  await expect
    .poll(async () =>
      (await page.evaluate(() => (window as unknown as { __fake: { calls: [string, Record<string, unknown>][] } }).__fake.calls))
        .filter(([cmd]) => cmd === "insert_training_card" || cmd === "read_customer_card")
        .map(([cmd, args]) => (cmd === "insert_training_card" ? `${cmd}:${String(args.personalCode)}:${String(args.forCustomer)}` : cmd)),
    )
    .toEqual(["insert_training_card:010718-21008:true", "read_customer_card"]);
});
