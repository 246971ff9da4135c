import { defineConfig } from "vitest/config";
import react from "@vitejs/plugin-react";

export default defineConfig({
  plugins: [react()],
  // Tauri serves the built files itself; relative paths keep them working from any origin.
  base: "./",
  build: { outDir: "dist", target: "es2022", sourcemap: false },
  server: { port: 5173, strictPort: true },
  preview: { port: 4173, strictPort: true },
  test: { environment: "jsdom", include: ["src/**/*.test.{ts,tsx}"], globals: true, setupFiles: ["src/test-setup.ts"] },
});
