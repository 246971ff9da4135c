import { defineConfig } from "@playwright/test";

// Debian's chromium: Playwright cannot download its own browsers on this network.
const executablePath = process.env.PIETURA_CHROMIUM ?? "/usr/bin/chromium";

export default defineConfig({
  testDir: "flows",
  outputDir: "test-results",
  // Every test has its own browser context (its own localStorage, so its own fake backend):
  // two at a time on two cores, 71 -> 54 s.
  fullyParallel: true,
  workers: 2,
  retries: 0,
  reporter: [["list"]],
  use: {
    baseURL: "http://127.0.0.1:4173",
    screenshot: "only-on-failure",
    launchOptions: {
      executablePath,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-quic",
      ],
    },
  },
  webServer: {
    command: "npx vite preview --host 127.0.0.1 --port 4173 --strictPort",
    url: "http://127.0.0.1:4173",
    reuseExistingServer: false,
    timeout: 60_000,
  },
});
