// A stand-in for the desk's Rust commands, so the UI's flows run in a plain Chromium. The real
// commands are exercised end to end by tests/ (the real app under tauri-driver).
(() => {
  const saved = JSON.parse(localStorage.getItem("fake-backend") || "null");
  const state = saved || {
    language: "lv",
    enrollment: null,
    validCode: "7KQ2M9XD",
    status: { connection: "connecting", last_success: null, next_try: null, consecutive_failures: 0, last_error: null, centre: null },
  };
  const persist = () => localStorage.setItem("fake-backend", JSON.stringify(state));
  const calls = [];
  window.__fake = {
    state,
    calls,
    setConnection(connection) {
      state.status.connection = connection;
      if (connection === "online") state.status.last_success = new Date().toISOString();
      persist();
    },
  };
  window.__TAURI_INTERNALS__ = {
    metadata: { currentWindow: { label: "main" }, currentWebview: { label: "main", windowLabel: "main" } },
    transformCallback: (cb) => cb,
    async invoke(cmd, args) {
      calls.push([cmd, args]);
      // Real IPC serialises every answer: hand out copies, never the fake's own objects.
      return JSON.parse(JSON.stringify((await answer(cmd, args)) ?? null));
    },
  };
  async function answer(cmd, args) {
      switch (cmd) {
        case "app_state":
          if (state.storeError) throw state.storeError;
          return { language: state.language, enrollment: state.enrollment };
        case "set_language":
          state.language = args.language;
          persist();
          return null;
        case "sync_status":
          return state.status;
        case "retry_sync":
          return null;
        case "enroll": {
          if (!/^https?:\/\/[^/]+/.test(args.serverUrl)) throw { code: "invalid_url", message: "bad url" };
          if (args.serverUrl.includes("unreachable")) throw { code: "unreachable", message: "refused" };
          const code = args.code.replace(/[-\s]/g, "").toUpperCase();
          if (code.length !== 8) throw { code: "enrollment_code_invalid", message: "length" };
          if (code !== state.validCode) throw { code: "enrollment_code_unknown", message: "unknown" };
          state.enrollment = {
            server_url: args.serverUrl.replace(/\/?$/, "/"),
            device_name: "Galds 1",
            centre_name: "Rīgas 1. VPVKAC",
            centre_municipality: "Rīga",
          };
          state.status = { ...state.status, connection: "online", last_success: new Date().toISOString() };
          persist();
          return state.enrollment;
        }
        default:
          throw { code: "unknown", message: `no fake for ${cmd}` };
      }
  }
})();
