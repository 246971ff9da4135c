// A stand-in for the desk's Rust commands, so the UI's flows run in a plain Chromium. The real
// commands are exercised end to end by tests/ (the real app under tauri-driver). Every answer is
// checked by the type checker against what the command answers (`Answers` in api.ts, made of the
// declarations generated from the Rust types), so the fake cannot drift from the app's contract.
//
// Playwright runs `installFakeBackend` in the page from its source text (page.addInitScript):
// it may use nothing from outside itself but its argument, and only types are imported.

import type { Answers } from "../src/api";

/** The case state machine as the domain has it: kind → status → the statuses it may move to. */
export type CaseRules = Record<string, Record<string, string[]>>;

// The fake keeps loosely shaped state (saved between page loads); its answers are what is typed.
/* eslint-disable @typescript-eslint/no-explicit-any */
export function installFakeBackend(caseRules: CaseRules): void {
  /** An answer to `command`, checked against what the app expects of it. */
  const reply = <C extends keyof Answers>(_command: C, value: Answers[C]): Answers[C] => value;
  const page = window as any;
  const saved = JSON.parse(localStorage.getItem("fake-backend") || "null");
  const state: any = saved || {
    language: "lv",
    enrollment: null,
    validCode: "7KQ2M9XD",
    status: { connection: "connecting", last_success: null, next_try: null, consecutive_failures: 0, last_error: null, centre: null },
  };
  if (!state.card) {
    state.card = { present: true, reader: "Virtual PCD 00 00", holder: "ILZE OZOLIŅA", personal_code: "161175-19997", tries: 3 };
    state.login = { state: "logged_out", person: null, offline: false, since: null };
  }
  if (!state.status.catalogue) {
    state.status.catalogue = { cursor: 93, head: 93, records_applied: 93, bytes_received: 312000, caught_up_at: new Date().toISOString(), syncing: false };
  }
  const L = (text, language, fallback = false) => ({ text, language, fallback });
  // A page of the application as the desk draws it (a small picture of a page with four lines).
  const PAGE_PNG = "iVBORw0KGgoAAAANSUhEUgAAACoAAAA8CAIAAACfLr+KAAAAQUlEQVR4nO3RAQ0AQAwCsQl7/7b2MshCMdCQm41u8Hh8gH/Rpd9389r38tr38trj8Xg8Ho/H4/F4PB6Px+Px5/gPtejsJt1NI9UAAAAASUVORK5CYII=";
  // Cases, as the session's CaseView shows them; one an institution changed is waiting.
  // The domain's case rules, written from the Rust code (case-rules.generated.json, the argument).
  const NEXT = caseRules;
  const caseView = (c) => ({
    ...c,
    next: (NEXT[c.kind] || {})[c.status] || [],
    documents: (c.documents || []).map(({ content, ...d }) => d),
  });
  if (!state.cases) {
    const at = "2026-11-26T08:40:00Z";
    state.cases = [
      {
        id: "0190b2d8-0000-7000-8000-0000000000c1", number: "R1V-01-26-0003", service_id: "https://pietura.lv/id/service/dog-registration",
        service_name: "Suņa reģistrācija", kind: "application", channel: "vpvkac_in_person", status: "in_progress",
        customer_type: "natural", customer_code: "290156-11605", customer_name: "Oskars Kalns",
        holder_institution: "https://pietura.lv/id/org/riga", holder_name: "Rīgas valstspilsētas pašvaldība",
        arrived_at: "2026-11-26T08:31:00Z", served_at: "2026-11-26T08:35:00Z", waiting_seconds: 240, service_seconds: 300,
        history: [
          { status: "registered", at, by: "staff", by_id: "161175-19997", offline: false, note: "" },
          { status: "submitted", at, by: "staff", by_id: "161175-19997", offline: false, note: "" },
          { status: "in_progress", at: "2026-11-26T10:00:00Z", by: "institution", by_id: "https://pietura.lv/id/org/riga", offline: false, note: "Izskatām" },
        ],
        unsent: 0, refused: null, refused_code: null, refused_kind: null,
        notes: [{ at: "2026-11-26T09:00:00Z", by: "staff", by_id: "161175-19997", offline: true, text: "Klients atsauca", intended_status: "cancelled" }],
        news: { previous_status: "cancelled", at: "2026-11-26T10:01:00Z" },
      },
    ];
  }
  // E-address: the catalogue on the desk, what waits to be sent, the centre's mailbox.
  if (!state.mail) {
    state.mail = {
      directory: [
        { address: "_DEFAULT@90000069281", name: "Valsts ieņēmumu dienests" },
        { address: "_DEFAULT@90011524360", name: "Rīgas valstspilsētas pašvaldība" },
      ],
      queued: [],
      inbox: [
        { id: "0190b2d8-0000-7000-8000-00000000e001", sender: "_DEFAULT@90000069281", sender_name: "Valsts ieņēmumu dienests", subject: "Atbilde uz iesniegumu", body: "Jūsu iesniegums ir saņemts.",
          case_number: "R1V-01-26-0003", attachments: [], sent_at: "2026-11-26T09:30:00Z",
          deliveries: [{ recipient: "R1V@90011524360", state: "delivered", notified_on: "2026-11-30", read_at: null }] },
        // Older letters, read long ago: more than one page of the desk's mailbox.
        ...Array.from({ length: 55 }, (_, i) => {
          const sentAt = new Date(Date.parse("2026-11-20T08:00:00Z") - i * 3600000).toISOString();
          return { id: `0190b2d8-0000-7000-8000-00000000d${String(i).padStart(3, "0")}`, sender: "_DEFAULT@90000069281",
            subject: `Vēstule ${i + 1}`, body: "Agrāka vēstule.", case_number: null, attachments: [], sent_at: sentAt,
            deliveries: [{ recipient: "R1V@90011524360", state: "read", delivered_at: sentAt, notified_on: "2026-11-24", read_at: sentAt }] };
        }),
      ],
      citizenInbox: [
        { id: "0190b2d8-0000-7000-8000-00000000e101", sender: "_DEFAULT@90000069281", subject: "Paziņojums par nodokli", body: "Nodokļa paziņojums pielikumā.",
          case_number: null, attachments: [{ name: "paziņojums.pdf", size: 2048, sha256: "ab".repeat(32) }, { name: "tabula.xlsx", size: 4096, sha256: "cd".repeat(32) }], sent_at: "2026-11-25T08:00:00Z", deliveries: [{ recipient: "_PRIVATE@29015611605", state: "notified", notified_on: "2026-11-27", read_at: null }] },
      ],
      consent: null,
    };
  }
  // The training server's scenarios, as it would send two of them.
  function trainingScenarios() {
    const step = (id, lv, en) => ({ id, text: { lv, en }, check: { kind: "case_registered" } });
    return [
      { id: "https://pietura.lv/id/training/birth", life_situation: "https://pietura.lv/id/scenario/birth",
        title: { lv: "Ģimenē piedzimis bērns", en: "A child is born into the family" }, story: { lv: "Stāsts", en: "Story" },
        steps: [step("register", "Reģistrējiet lietu", "Register a case"), step("submit", "Iesniedziet lietu", "Submit the case")] },
      { id: "https://pietura.lv/id/training/retirement", life_situation: "https://pietura.lv/id/scenario/retirement",
        title: { lv: "Došanās pensijā", en: "Retiring" }, story: { lv: "Stāsts", en: "Story" },
        steps: [step("register", "Reģistrējiet lietu", "Register a case")] },
    ];
  }

  // A message written at the desk (`mark` keeps the ids of the clerk's and the customer's apart),
  // queued as the desk queues it.
  function queueMessage(r, mark) {
    if (!r.subject.trim()) throw { code: "message_subject", message: "subject" };
    const c = r.case_id ? findCase(r.case_id) : null;
    const named = (a) => (state.mail.directory.find((d) => d.address === a) || { name: a }).name;
    const queued = { id: `0190b2d8-0000-7000-8000-${mark}${String(state.mail.queued.length).padStart(11, "0")}`, recipients: r.recipients, recipient_names: r.recipients.map(named), subject: r.subject,
      case_id: r.case_id || null, case_number: c ? c.number : null,
      attachments: [
        ...(r.document_ids || []).map((id) => ((c && c.documents) || []).find((d) => d.id === id)?.name).filter(Boolean),
        ...(r.files || []).map((f) => f.name.split(/[\\/]/).pop()),
      ],
      created_at: new Date().toISOString(), state: "queued" as const, refused: null, refused_code: null, deliveries: [],
      in_reply_to: r.in_reply_to || null };
    state.mail.queued.unshift(queued);
    persist();
    return queued;
  }

  const findCase = (id) => {
    const c = state.cases.find((x) => x.id === id);
    if (!c) throw { code: "case_unknown", message: `no case ${id}` };
    return c;
  };
  const checkCode = (code) => {
    const compact = code.replace(/\s/g, "");
    if (/^[459]\d{10}$/.test(compact)) return "legal";
    if (!/^\d{6}-?\d{5}$/.test(compact)) throw { code: "personal_code_shape", message: "shape" };
    // The legacy check digit (reference §5), as domain::PersonalCode checks it.
    const d = compact.replace("-", "").split("").map(Number);
    if (d[0] !== 3) {
      const weights = [1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
      const sum = weights.reduce((acc, w, i) => acc + w * d[i], 0);
      if ((1101 - sum) % 11 % 10 !== d[10]) throw { code: "personal_code_check_digit", message: "check digit" };
    }
    return "natural";
  };
  const fold = (s) => s.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  // E-forms: one form of the dog fee, checked as the desk's validator would for what the flows
  // try (required answers, a personal code's check digit); drafts kept with the rest.
  const dogForm: Answers["start_form"]["form"] = {
    id: "https://pietura.lv/id/form/dog-fee", version: 1, service_id: "https://pietura.lv/id/service/dog-fee",
    title: L("Suņu turēšanas nodevas atvieglojuma pieteikums", "lv"),
    signature_required: true,
    steps: [
      { id: "owner", title: L("Suņa īpašnieks", "lv"), fields: [
        { field: "applicant_name", widget: "text", label: L("Vārds, uzvārds", "lv"), help: null, choices: [], max_length: 120, minimum: null, maximum: null },
        { field: "applicant_code", widget: "personal_code", label: L("Personas kods", "lv"), help: null, choices: [], max_length: null, minimum: null, maximum: null },
      ] },
      { id: "dog", title: L("Suns", "lv"), fields: [
        { field: "relief", widget: "radio", label: L("Atvieglojuma pamatojums", "lv"), help: null, max_length: null, minimum: null, maximum: null,
          choices: [{ value: "pensioner", label: L("esmu pensionārs", "lv") }, { value: "none", label: L("atvieglojums netiek prasīts", "lv") }] },
        { field: "proof", widget: "file", label: L("Pensionāra apliecība", "lv"), help: null, choices: [], max_length: null, minimum: null, maximum: null },
        { field: "confirm", widget: "yes_no", label: L("Apliecinu, ka sniegtā informācija ir patiesa", "lv"), help: null, choices: [], max_length: null, minimum: null, maximum: null },
      ] },
    ],
  };
  const draftView = (d: any): Answers["form_draft"] => {
    const required = ["applicant_name", "applicant_code", "relief", "confirm"];
    const errors: Answers["form_draft"]["errors"] = [];
    for (const field of required) {
      const value = d.data[field];
      if (value === undefined || value === "") errors.push({ field, code: "required", lv: "Aizpildiet šo lauku.", en: "Fill in this field." });
      else if (field === "applicant_code") {
        try { checkCode(String(value)); } catch {
          errors.push({ field, code: "format", lv: "Personas kodam jābūt 11 cipariem (piemēram, 010190-12345) ar pareizu kontrolciparu.", en: "A personal code has 11 digits (for example 010190-12345) with a correct check digit." });
        }
      } else if (field === "confirm" && value !== true) errors.push({ field, code: "confirm", lv: "Apstipriniet, lai turpinātu.", en: "Confirm to go on." });
    }
    return { ...d, form: dogForm, applicable: [...required.slice(0, 3), "proof", "confirm"], required, errors };
  };
  const findDraft = (id: string) => {
    const d = (state.drafts || []).find((x: any) => x.id === id);
    if (!d) throw { code: "form_draft_unknown", message: `no draft ${id}` };
    return d;
  };
  const services = {
    "https://pietura.lv/id/service/dog-fee": {
      id: "https://pietura.lv/id/service/dog-fee",
      names: { lv: "Suņu turēšanas nodevas samaksa", en: "Dog-keeping fee payment" },
      page: (lang) => ({
        id: "https://pietura.lv/id/service/dog-fee",
        name: lang === "lv" ? L("Suņu turēšanas nodevas samaksa", "lv") : L("Dog-keeping fee payment", "en"),
        description: L("Rīgā reģistrētu suņu īpašnieki reizi gadā maksā suņu turēšanas nodevu.", "lv", lang !== "lv"),
        status: "active",
        has_e_service: true,
        online_access_url: "https://www.latvija.gov.lv/Services/dog-fee",
        info_url: "https://www.riga.lv/pakalpojumi/dog-fee",
        steps: [L("Autentificējieties portālā Latvija.gov.lv.", "lv", lang !== "lv"), L("Samaksājiet nodevu.", "lv", lang !== "lv")],
        costs: [
          { value_minor: 1500, currency: "EUR", description: L("Valsts nodeva.", "lv", lang !== "lv"), channel_kind: null },
          { value_minor: 1200, currency: "EUR", description: null, channel_kind: "e_service" },
        ],
        channels: [
          { kind: "e_service", description: L("E-pakalpojums.", "lv", lang !== "lv"), location: null, opening_hours: null, processing_time: "P1D", url: "https://www.latvija.gov.lv/Services/dog-fee" },
          { kind: "vpvkac_in_person", description: L("VPVKAC.", "lv", lang !== "lv"), location: L("Tuvākais VPVKAC", "lv", lang !== "lv"), opening_hours: L("P.–Pk. 8.30–17.00", "lv", lang !== "lv"), processing_time: null, url: null },
        ],
        requirements: [{ name: L("Personas identitātes apliecināšana", "lv", lang !== "lv"), evidence: [L("Pase vai eID karte", "lv", lang !== "lv")] }],
        outputs: [L("Lēmums", "lv", lang !== "lv")],
        processing_time: "P1D",
        legal: [{ id: "https://likumi.lv/x", name: L("Saistošie noteikumi", "lv", true) }],
        events: [{ id: "https://pietura.lv/id/event/pets", name: L("Mājdzīvnieki", "lv", lang !== "lv") }],
        authorities: [{ id: "https://pietura.lv/id/org/riga", name: L("Rīgas valstspilsētas pašvaldība", "lv", lang !== "lv"), telephone: ["+371 80002800"], email: ["pasts@riga.lv"], page: "https://www.riga.lv", e_address: "_DEFAULT@90011524360" }],
        related: [{ id: "https://pietura.lv/id/service/dog-registration", name: L("Suņa reģistrācija", "lv", lang !== "lv") }],
        articles: [{ id: "https://pietura.lv/id/article/dog-fee", title: "Suņu nodeva: ko klienti jautā visbiežāk", language: "lv", verified_at: "2026-11-01T09:00:00Z" },
                   { id: "https://pietura.lv/id/article/dog-fee-old", title: "Suņu nodeva 2025", language: "lv", verified_at: null }],
        eid_methods: ["bank", "eid_card"],
      }),
    },
    "https://pietura.lv/id/service/dog-registration": {
      id: "https://pietura.lv/id/service/dog-registration",
      names: { lv: "Suņa reģistrācija", en: "Registering a dog" },
      page: (lang) => ({
        id: "https://pietura.lv/id/service/dog-registration", name: L(lang === "lv" ? "Suņa reģistrācija" : "Registering a dog", lang),
        description: L("Katrs suns jāreģistrē.", "lv", lang !== "lv"), status: "active", has_e_service: false, online_access_url: null, info_url: null,
        steps: [], costs: [], channels: [], requirements: [], outputs: [], processing_time: null, legal: [], events: [], authorities: [], related: [], articles: [], eid_methods: [],
      }),
    },
  };
  const articles = {
    "https://pietura.lv/id/article/dog-fee": {
      id: "https://pietura.lv/id/article/dog-fee", title: "Suņu nodeva: ko klienti jautā visbiežāk", language: "lv",
      // What the Rust renderer makes of Markdown with raw HTML in it: escaped, inert.
      html: "<h2>Kam jāmaksā</h2>\n<p>Nodevu maksā <strong>katra Rīgā reģistrēta suņa</strong> īpašnieks.</p>\n<p>&lt;script&gt;window.__injected = true&lt;/script&gt; teksts</p>\n<p><a href=\"https://www.riga.lv/lv/nodevas\">Rīgas valstspilsētas pašvaldība</a></p>\n",
      tags: ["nodeva"], owner: { id: "https://pietura.lv/id/org/riga", name: L("Rīgas valstspilsētas pašvaldība", "lv") }, version: 1,
      verified_at: "2026-11-01T09:00:00Z", services: [{ id: "https://pietura.lv/id/service/dog-fee", name: L("Suņu turēšanas nodevas samaksa", "lv") }],
    },
  };
  const persist = () => localStorage.setItem("fake-backend", JSON.stringify(state));
  const calls: [string, unknown][] = [];
  /** A copy saved among the desk's copies. */
  const savedAs = (pdf: string) => ({ pdf, job: null, preview: null });
  /** A document held for printing, as its preview: the printers of a centre, a page drawn. */
  const held = (title: string, note: string | null = null) => {
    const token = `0190b2d8-0000-7000-8000-${String(Math.floor(Math.random() * 1e12)).padStart(12, "0")}`;
    state.held = { token, title, note };
    persist();
    const noPrinters = localStorage.getItem("fake-backend-no-printers") === "1";
    return {
      pdf: null,
      job: null,
      preview: {
        token, title, pages: [`data:image/png;base64,${PAGE_PNG}`], total_pages: 1, max_copies: 20,
        printers: noPrinters ? [] : [{ name: "Zale_HP", default: false }, { name: "Kopetajs", default: true }].sort((a, b) => Number(b.default) - Number(a.default)),
        printers_problem: noPrinters ? ("no_printer" as const) : null,
      },
    };
  };
  /** The centre as its administrator sees it: 30 days of figures, staff, devices. */
  const adminState = () => {
    if (!state.admin) {
      const today = new Date();
      const days = Array.from({ length: 30 }, (_, i) => {
        const day = new Date(today.getTime() - (29 - i) * 86400000).toISOString().slice(0, 10);
        const weekend = [0, 6].includes(new Date(`${day}T12:00:00Z`).getUTCDay());
        const cases = weekend ? 0 : 18 + ((i * 7) % 13);
        return cases === 0
          ? { day, cases, waiting_median_minutes: null, waiting_p90_minutes: null, service_median_minutes: null, service_p90_minutes: null }
          : { day, cases, waiting_median_minutes: 4 + (i % 5), waiting_p90_minutes: 14 + (i % 9), service_median_minutes: 7 + (i % 3), service_p90_minutes: 18 + (i % 6) };
      });
      const month = { cases: 312, by_service: [
        { key: "https://pietura.lv/id/service/dog-registration", cases: 120 },
        { key: "https://pietura.lv/id/service/residence-declaration", cases: 97 },
        { key: "https://pietura.lv/id/service/vid-eds-help", cases: 95 } ],
        by_channel: [{ key: "vpvkac_in_person", cases: 280 }, { key: "phone", cases: 20 }, { key: "e_address", cases: 12 }],
        by_clerk: [{ key: "161175-19997", cases: 190 }, { key: "210860-10528", cases: 122 }] };
      state.admin = {
        names: {
          "https://pietura.lv/id/service/dog-registration": "Suņa reģistrācija",
          "https://pietura.lv/id/service/residence-declaration": "Dzīvesvietas deklarēšana",
          "https://pietura.lv/id/service/vid-eds-help": "Palīdzība VID EDS lietošanā",
        },
        dashboard: {
          centre: { id: "0190b2d8-0000-7000-8000-0000000000aa", name: "Rīgas 1. VPVKAC", municipality: "Rīga", code: "R1V" },
          computed_at: new Date().toISOString(),
          today: { cases: days[29].cases, by_service: month.by_service.slice(0, 2).map((c) => ({ ...c, cases: 9 })), by_channel: [{ key: "vpvkac_in_person", cases: days[29].cases }], by_clerk: [{ key: "161175-19997", cases: days[29].cases }] },
          month,
          days,
          messages: { sent: 41, read: 33 },
          outboxes: [
            { device_id: "0190b2d8-0000-7000-8000-0000000d0002", name: "Galds 2", desk_number: 2, outbox: { pending: 3, refused: 1, oldest: "2026-12-04T09:15:00Z" }, reported_at: "2026-12-04T16:02:00Z" },
          ],
        },
        members: [
          { personal_code: "161175-19997", name: "ILZE OZOLIŅA", roles: ["clerk", "admin"], since: "2026-01-12T08:00:00Z", last_login_at: new Date().toISOString() },
          { personal_code: "210860-10528", name: "MĀRIS KALNIŅŠ", roles: ["clerk"], since: "2026-02-02T08:00:00Z", last_login_at: "2026-12-04T07:58:00Z" },
        ],
        logins: [
          { at: new Date().toISOString(), kind: "login", personal_code: "161175-19997", device_name: "Galds 1" },
          { at: "2026-12-04T16:02:00Z", kind: "logout", personal_code: "210860-10528", device_name: "Galds 2" },
          { at: "2026-12-04T07:58:00Z", kind: "login", personal_code: "210860-10528", device_name: "Galds 2" },
          { at: "2026-12-04T07:57:00Z", kind: "login_failed", personal_code: "210860-10528", device_name: "Galds 2" },
        ],
        devices: [
          { id: "0190b2d8-0000-7000-8000-0000000d0001", kind: "desk", name: "Galds 1", desk_number: 1, state: "enrolled", enrollment_expires_at: "2026-01-13T08:00:00Z", last_seen_at: new Date().toISOString(), revoked_at: null, reported_version: "0.1.0", outbox: { pending: 0, refused: 0, oldest: null }, behind: null, unseen: false },
          { id: "0190b2d8-0000-7000-8000-0000000d0002", kind: "desk", name: "Galds 2", desk_number: 2, state: "enrolled", enrollment_expires_at: "2026-02-03T08:00:00Z", last_seen_at: "2026-12-04T16:02:00Z", revoked_at: null, reported_version: "0.1.0", outbox: { pending: 3, refused: 1, oldest: "2026-12-04T09:15:00Z" }, behind: null, unseen: true },
          { id: "0190b2d8-0000-7000-8000-0000000d0003", kind: "kiosk", name: "Bibliotēkas kiosks", desk_number: null, state: "enrolled", enrollment_expires_at: "2026-03-01T08:00:00Z", last_seen_at: "2026-12-04T18:30:00Z", revoked_at: null, reported_version: "0.0.9", outbox: null, behind: "0.1.0", unseen: false },
        ],
      };
    }
    return state.admin;
  };
  page.__fake = {
    state,
    calls,
    removeCard() {
      state.card.present = false;
      if (state.login.state === "logged_in") state.login.state = "locked";
      persist();
    },
    setPinPad(on) {
      state.card.pinPad = on;
      persist();
    },
    insertCard() {
      state.card.present = true;
      persist();
    },
    setOutbox(pending, poisoned) {
      state.status.outbox = { pending, poisoned };
      persist();
      pushStatus();
    },
    /** The server takes everything this desk queued, as a sync round does: cases on the server,
     *  messages delivered; the shell pushes the new state with a new revision. */
    /** A seat's step as the training server would report it after the trainee's work. */
    trainingStep(seat, scenario, step, stepState) {
      const w = state.training?.workshop;
      if (!w) return;
      const progress = w.seats.find((s) => s.seat === seat).progress.find((p) => p.scenario.endsWith(scenario));
      progress.steps.find((s) => s.step === step).state = stepState;
      progress.finished = progress.steps.every((s) => s.state === "done");
      persist();
    },
    syncAll() {
      state.cases.forEach((c) => (c.unsent = 0));
      state.mail.queued.forEach((m) => {
        m.state = "sent";
        m.deliveries = m.recipients.map((recipient) => ({ recipient, state: "delivered", notified_on: null, read_at: null }));
      });
      state.status.outbox = { pending: 0, poisoned: 0 };
      state.status.revision = (state.status.revision || 0) + 1;
      state.status.connection = "online";
      state.status.last_success = new Date().toISOString();
      persist();
      pushStatus();
    },
    /** The logged-in person's roles (e.g. the centre's administrator). */
    setRoles(roles) {
      if (state.login.person) state.login.person.roles = roles;
      persist();
    },
    setConnection(connection) {
      state.status.connection = connection;
      if (connection === "online") state.status.last_success = new Date().toISOString();
      persist();
      pushStatus();
    },
  };
  // The status as `sync_status` answers it, pushed as the shell pushes every change.
  function currentStatus() {
    const outbox = state.status.outbox || { pending: 0, poisoned: 0 };
    const mail_unread = state.mail.inbox.filter((m) => m.deliveries.some((d) => d.state !== "read")).length;
    return { revision: 0, ...state.status, outbox: { ...outbox, case_news: state.cases.filter((c) => c.news).length }, mail_unread };
  }
  function pushStatus() {
    page.__fake.emit("sync-status", currentStatus());
  }
  page.__TAURI_INTERNALS__ = {
    metadata: { currentWindow: { label: "main" }, currentWebview: { label: "main", windowLabel: "main" } },
    transformCallback: (cb) => cb,
    async invoke(cmd, args) {
      calls.push([cmd, args]);
      // Real IPC serialises every answer: hand out copies, never the fake's own objects.
      return JSON.parse(JSON.stringify((await answer(cmd, args)) ?? null));
    },
  };
  // Tauri's events: the UI listens; a flow emits as the desk's shell would (`__fake.emit`).
  const listeners: Record<string, ((event: unknown) => void)[]> = {};
  page.__fake.emit = (event: string, payload: unknown = null) =>
    (listeners[event] || []).forEach((handler) => handler({ event, id: 0, payload }));
  async function answer(cmd: string, args: any): Promise<unknown> {
      if (cmd === "plugin:event|listen") {
        (listeners[args.event] ||= []).push(args.handler);
        return 0;
      }
      if (cmd === "plugin:event|unlisten") return null;
      // A test may make commands fail, as a broken local store would (a key of its own: the
      // fake's state is written back at every change).
      const failing: string[] = JSON.parse(localStorage.getItem("fake-backend-failing") || "[]");
      if (failing.includes(cmd)) throw { code: "store", message: "injected failure" };
      // A test may make commands slow, as a busy device would (milliseconds per command).
      const slow: Record<string, number> = JSON.parse(localStorage.getItem("fake-backend-slow") || "{}");
      if (slow[cmd]) await new Promise((resolve) => setTimeout(resolve, slow[cmd]));
      switch (cmd) {
        case "open_link":
          return reply("open_link", null);
        case "save_copy_as":
          // As the system's dialog answers: the place chosen, or null when cancelled.
          state.savedAs = [...(state.savedAs || []), args.name];
          persist();
          return reply("save_copy_as", localStorage.getItem("fake-save-cancelled") ? null : `/home/ilze/Dokumenti/${args.name}`);
        case "training_scenarios":
          return reply("training_scenarios", { scenarios: trainingScenarios() });
        case "workshops":
          return reply("workshops", { workshops: state.training?.workshop ? [{ id: state.training.workshop.id, series: 1, created_at: state.training.workshop.created_at, scenarios: state.training.workshop.scenarios.map((s) => s.id) }] : [] });
        case "open_workshop": {
          if (!args.scenarios.length) throw { code: "validation", message: "no scenarios" };
          if (args.seats < 1 || args.seats > 30) throw { code: "validation", message: "seats" };
          const chosen = trainingScenarios().filter((s) => args.scenarios.includes(s.id));
          const person = (code, given, surname) => ({ personal_code: code, given_name: given, surname, pin1: "1234", pin2: "123456" });
          const workshop = {
            id: "0190b2d8-0000-7000-8000-0000000e0001", series: 1, created_at: new Date().toISOString(), scenarios: chosen,
            seats: Array.from({ length: args.seats }, (_, i) => ({
              seat: i + 1, device_id: `0190b2d8-0000-7000-8000-0000000e010${i}`, device_name: `Mācības 1 · vieta ${i + 1}`, desk_number: i + 2,
              enrollment_code: null, clerk: person(`0107${17 + i}-20${i}07`, "ANNA", "BĒRZIŅA"),
              customers: chosen.map((s, k) => ({ scenario: s.id, person: person(`0107${17 + i}-21${k}08`, "JĀNIS", "BĒRZIŅŠ"), relatives: [] })),
              progress: chosen.map((s) => ({ scenario: s.id, finished: false, steps: s.steps.map((st) => ({ step: st.id, state: "waiting" as const, code: null, reason: null })) })),
              reset_at: new Date().toISOString(),
              last_login_at: null,
            })),
          };
          state.training = { workshop };
          persist();
          return reply("open_workshop", { ...workshop, seats: workshop.seats.map((s) => ({ ...s, enrollment_code: `7KQ${s.seat}-M9XD` })) });
        }
        case "workshop":
          if (!state.training?.workshop) throw { code: "not_found", message: "no workshop" };
          return reply("workshop", state.training.workshop);
        case "reset_workshop": {
          const w = state.training.workshop;
          for (const seat of w.seats.filter((s) => args.seat == null || s.seat === args.seat)) {
            seat.progress.forEach((p) => {
              p.finished = false;
              p.steps.forEach((st) => { st.state = "waiting"; st.code = null; st.reason = null; });
            });
          }
          persist();
          return reply("reset_workshop", w);
        }
        case "insert_training_card":
          if (!/^\d{6}-?\d{5}$/.test(args.personalCode.trim())) throw { code: "personal_code_invalid", message: "shape" };
          if (!args.personalCode.startsWith("0107")) throw { code: "not_found", message: "not a person of this centre" };
          state.card.present = true;
          persist();
          return reply("insert_training_card", { personal_code: args.personalCode, given_name: "ANNA", surname: "BĒRZIŅA", pin1: "1234", pin2: "123456" });
        case "remove_training_card":
          return reply("remove_training_card", null);
        case "workshop_record":
          return reply("workshop_record", { job: null, pdf: "/tmp/receipts/macibas-1-rezultati.pdf", preview: null });
        case "workshop_handouts":
          return reply("workshop_handouts", { job: null, pdf: "/tmp/receipts/macibas-1.pdf", preview: null });
        case "ui_log":
          state.uiLog = [...(state.uiLog || []), [args.level, args.message]];
          persist();
          return reply("ui_log", null);
        case "first_screen_shown":
          return reply("first_screen_shown", null);
        case "open_saved_copy":
          if (args.name.includes("/")) throw { code: "not_found", message: "not a saved copy" };
          return reply("open_saved_copy", null);
        case "app_state":
          if (state.storeError) throw state.storeError;
          return reply("app_state", { language: state.language, enrollment: state.enrollment, training: localStorage.getItem("fake-training") === "1" });
        case "set_language":
          state.language = args.language;
          persist();
          return reply("set_language", null);
        case "sync_status":
          return reply("sync_status", currentStatus());
        case "retry_sync":
          return reply("retry_sync", null);
        case "outbox_problems":
          return reply("outbox_problems", state.status.outbox && state.status.outbox.poisoned > 0
            ? [{ id: "0190b2d8-0000-7000-8000-000000000001", kind: "case_registered", reason: "the service https://pietura.lv/id/service/no-such is not in the catalogue", code: "unknown_service", created_at: "2026-11-26T09:15:00Z", case_number: "RCV-03-26-0007" }]
            : []);
        case "login_status": {
          const c = state.card;
          const card = c.present
            ? { status: "card" as const, readers: [c.reader], message: null, card: { reader: c.reader, holder: c.holder, personal_code: c.personal_code, not_before: "2024-01-10T00:00:00Z", not_after: "2029-01-10T00:00:00Z", pin_tries_left: c.tries, pin_pad: !!c.pinPad } }
            : { status: "no_card" as const, readers: [c.reader], card: null, message: null };
          return reply("login_status", { login: state.login, card });
        }
        case "log_in": {
          const c = state.card;
          if (!c.present) throw { code: "no_card", message: "no card" };
          if (c.tries === 0) throw { code: "pin_blocked", message: "blocked" };
          // On a PIN-pad reader the holder types on the reader: the fake takes the right PIN.
          if (args.pin === null && !c.pinPad) throw { code: "pin_format", message: "no pad" };
          if (args.pin !== null && args.pin !== "1234") {
            c.tries -= 1;
            persist();
            throw c.tries === 0 ? { code: "pin_blocked", message: "blocked", tries_left: 0 } : { code: "wrong_pin", message: "wrong", tries_left: c.tries };
          }
          c.tries = 3;
          // The roles the person holds at the centre (a flow may make them an administrator).
          const roles = JSON.parse(localStorage.getItem("fake-backend-roles") || '["clerk"]');
          state.login = { state: "logged_in", person: { personal_code: c.personal_code, given_name: "ILZE", surname: "OZOLIŅA", roles }, offline: state.status.connection !== "online", since: new Date().toISOString() };
          persist();
          return reply("log_in", state.login);
        }
        case "log_out":
          state.login = { state: "logged_out", person: null, offline: false, since: null };
          persist();
          return reply("log_out", state.login);
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
          return reply("enroll", state.enrollment);
        }
        case "search_catalogue": {
          const words = fold(args.text).split(/[^a-z0-9]+/).filter(Boolean);
          const found: Answers["search_catalogue"] = [];
          for (const svc of Object.values(services)) {
            const title = svc.names[state.language];
            const folded = fold(Object.values(svc.names).join(" "));
            if (words.every((w) => folded.split(/[^a-z0-9]+/).some((t) => t.startsWith(w)))) {
              found.push({ kind: "service", id: svc.id, title, language: state.language, snippet: [{ text: title, highlighted: false }] });
            }
          }
          for (const a of Object.values(articles)) {
            if (words.every((w) => fold(a.title).split(/[^a-z0-9]+/).some((t) => t.startsWith(w)))) {
              found.push({ kind: "article", id: a.id, title: a.title, language: a.language, snippet: [{ text: "Nodevu maksā ", highlighted: false }, { text: "suņu", highlighted: true }] });
            }
          }
          return reply("search_catalogue", found);
        }
        case "service_page": {
          const svc = services[args.id];
          if (!svc) throw { code: "not_found", message: "no such service" };
          return reply("service_page", svc.page(state.language));
        }
        case "article_page": {
          const a = articles[args.id];
          if (!a) throw { code: "not_found", message: "no such article" };
          return reply("article_page", a);
        }
        case "browse_catalogue":
          return reply("browse_catalogue", [
            { id: "https://pietura.lv/id/event/pets", name: L(state.language === "lv" ? "Mājdzīvnieki" : "Pets", state.language), kind: "life" },
            { id: "https://pietura.lv/id/event/birth", name: L(state.language === "lv" ? "Bērna piedzimšana" : "Birth of a child", state.language), kind: "life" },
            { id: "https://pietura.lv/id/org/riga", name: L("Rīgas valstspilsētas pašvaldība", "lv", state.language !== "lv"), kind: "institution" },
          ]);
        case "life_plan": {
          // The birth scenario in little: one question; a step that always applies, one only in Riga.
          if (args.event !== "https://pietura.lv/id/event/birth") return reply("life_plan", null);
          const lv = state.language === "lv";
          const riga = args.answers.riga;
          const dog: any = services["https://pietura.lv/id/service/dog-fee"].page(state.language);
          // Opens as the dog-fee page: the fake knows one service page.
          const registration = { ...dog, name: L(lv ? "Bērna dzimšanas reģistrācija" : "Registering a child's birth", state.language) };
          const queue = { ...dog, id: "https://pietura.lv/id/service/preschool-queue", name: L(lv ? "Bērna reģistrācija rindā uz bērnudārzu" : "Pre-school queue", state.language) };
          const queueApplies = riga === undefined ? "maybe" : riga ? "yes" : "no";
          return reply("life_plan", {
            id: "https://pietura.lv/id/scenario/birth",
            event: args.event,
            name: L(lv ? "Bērna piedzimšana" : "A child is born", state.language),
            description: L(lv ? "Kas jādara pēc bērna piedzimšanas." : "What to do after a child is born.", state.language),
            questions: [{ id: "riga", text: L(lv ? "Vai ģimene dzīvo Rīgā?" : "Does the family live in Riga?", state.language), help: null, answer: riga ?? null }],
            steps: [
              { number: 1, applies: "yes", service: registration, note: L(lv ? "Mēneša laikā." : "Within a month.", state.language), reason: null },
              { number: queueApplies === "no" ? null : 2, applies: queueApplies, service: queue, note: null,
                reason: queueApplies === "no" ? L(lv ? "Rinda ir savā pašvaldībā." : "The queue is at your own municipality.", state.language) : null },
            ],
          });
        }
        case "save_life_plan":
          return reply("save_life_plan", args.toPrinter ? held("Dzīves situācijas plāns") : savedAs("/tmp/receipts/plan-birth.pdf"));
        case "services_of":
          return reply("services_of", Object.values(services).map((s) => ({ id: s.id, name: L(s.names[state.language], state.language) })));
        case "check_customer_code":
          return reply("check_customer_code", checkCode(args.code));
        case "current_visit":
          return reply("current_visit", state.visit || null);
        case "register_case": {
          const r = args.request;
          checkCode(r.customer_code);
          const svc = services[r.service_id];
          if (!svc) throw { code: "service_unknown", message: "no such service" };
          const now = new Date().toISOString();
          const n = state.cases.filter((c) => c.number.startsWith("R1V-01-")).length + 3;
          const c = {
            id: `0190b2d8-0000-7000-8000-${String(n).padStart(12, "0")}`, number: `R1V-01-26-${String(n).padStart(4, "0")}`,
            service_id: svc.id, service_name: svc.names[state.language], kind: r.kind, channel: r.channel || "vpvkac_in_person",
            status: "registered", customer_type: "natural", customer_code: r.customer_code, customer_name: r.customer_name || "",
            holder_institution: "https://pietura.lv/id/org/riga", holder_name: "Rīgas valstspilsētas pašvaldība",
            // Served from the visit's start when this customer is being served, as the desk does.
            ...(() => {
              const served = state.visit && state.visit.customer_code === r.customer_code ? state.visit.started_at : now;
              return { arrived_at: served, served_at: served, waiting_seconds: 0, service_seconds: Math.round((Date.parse(now) - Date.parse(served)) / 1000) };
            })(),
            history: [{ status: "registered", at: now, by: "staff", by_id: "161175-19997", offline: state.status.connection !== "online", note: r.note || "" }],
            unsent: 1, refused: null, refused_code: null, refused_kind: null, notes: [], news: null,
          };
          state.cases.unshift(c);
          persist();
          return reply("register_case", caseView(c));
        }
        case "case_page":
          return reply("case_page", caseView(findCase(args.id)));
        case "find_cases": {
          const q = fold(args.query || "");
          return reply("find_cases", state.cases.filter((c) => !q || fold(`${c.number} ${c.customer_code} ${c.customer_name} ${c.service_name}`).includes(q)).map(caseView));
        }
        case "cases_with_news":
          return reply("cases_with_news", state.cases.filter((c) => c.news).map(caseView));
        case "mark_case_seen":
          findCase(args.id).news = null;
          persist();
          return reply("mark_case_seen", null);
        case "change_case_status": {
          const c = findCase(args.id);
          if (!caseView(c).next.includes(args.to)) throw { code: "case_change_refused", message: "not from here" };
          c.status = args.to;
          c.history.push({ status: args.to, at: new Date().toISOString(), by: "staff", by_id: "161175-19997", offline: false, note: args.note || "" });
          c.unsent += 1;
          persist();
          return reply("change_case_status", caseView(c));
        }
        case "add_case_note": {
          const c = findCase(args.id);
          const text = (args.text || "").trim();
          if (!text || text.length > 2000) throw { code: "case_note_refused", message: "empty or long" };
          c.notes.push({ at: new Date().toISOString(), by: "staff", by_id: "161175-19997", offline: false, text, intended_status: null });
          c.unsent += 1;
          persist();
          return reply("add_case_note", caseView(c));
        }
        case "add_case_document": {
          const c = findCase(args.id);
          const bytes = atob(args.content);
          const type = bytes.startsWith("%PDF-") ? "application/pdf" : bytes.startsWith("\x89PNG") ? "image/png" : bytes.startsWith("\xff\xd8\xff") ? "image/jpeg" : null;
          if (!type) throw { code: "document_type", message: "not a scan" };
          c.documents = c.documents || [];
          c.documents.push({ id: `0190b2d8-0000-7000-8000-d${String(c.documents.length).padStart(11, "0")}`, name: args.name, media_type: type, size: bytes.length, added_at: new Date().toISOString(), here: true, content: args.content });
          c.unsent += 1;
          persist();
          return reply("add_case_document", caseView(c));
        }
        case "case_document_preview": {
          const d = (findCase(args.caseId).documents || []).find((x) => x.id === args.documentId);
          if (!d) throw { code: "document_unknown", message: "no such document" };
          if (!d.media_type.startsWith("image/")) throw { code: "document_no_preview", message: "pdf" };
          return reply("case_document_preview", { media_type: d.media_type, content: d.content });
        }
        case "export_case_document":
          return reply("export_case_document", args.toPrinter ? held("document.pdf") : savedAs(`/tmp/receipts/${args.documentId}`));
        case "eaddress_directory": {
          const q = fold(args.query || "");
          return reply("eaddress_directory", state.mail.directory.filter((d) => !q || fold(`${d.name} ${d.address}`).includes(q)));
        }
        case "compose_message":
          return reply("compose_message", queueMessage(args.request, "f"));
        case "queued_messages":
          return reply("queued_messages", state.mail.queued);
        case "mailboxes":
          if (state.status.connection !== "online") throw { code: "unreachable", message: "offline" };
          return reply("mailboxes", [{ address: "R1V@90011524360", name: "Rīgas 1. VPVKAC", kind: "institution", rights: "communicate", centre: true }]);
        case "mailbox_folder":
          if (args.address === "R1V@90011524360") {
            if (args.folder === "sent") {
              // As the server answers: each recipient named from the e-address accounts; what
              // this desk sent once the server has it.
              const named = (a) => (state.mail.directory.find((d) => d.address === a) || { name: a }).name;
              const sentHere = state.mail.queued.filter((m) => m.state === "sent").map((m) => ({
                id: m.id, sender: "R1V@90011524360", sender_name: "Rīgas 1. VPVKAC", subject: m.subject, body: "", case_number: m.case_number,
                attachments: [], sent_at: m.created_at, deliveries: m.deliveries.map((d) => ({ ...d, recipient_name: named(d.recipient) })),
              }));
              return reply("mailbox_folder", [...sentHere, { id: "0190b2d8-0000-7000-8000-00000000e201", sender: "R1V@90011524360", sender_name: "Rīgas 1. VPVKAC", subject: "Klienta pilnvara", body: "Pielikumā.",
                case_number: null, attachments: [], sent_at: "2026-11-24T09:00:00Z",
                deliveries: [{ recipient: "_DEFAULT@90000069281", recipient_name: "Valsts ieņēmumu dienests", state: "read", notified_on: "2026-11-26", read_at: "2026-11-24T10:00:00Z" }] }]);
            }
            if (args.folder !== "inbox") return reply("mailbox_folder", []);
            // Newest first, 50 at a time after (before, beforeId) like the server's keyset.
            if ((args.before == null) !== (args.beforeId == null)) throw { code: "validation", message: "half a page key" };
            const newest = [...state.mail.inbox].sort((a, b) => b.sent_at.localeCompare(a.sent_at) || b.id.localeCompare(a.id));
            const from = args.beforeId ? newest.findIndex((m) => m.id === args.beforeId) + 1 : 0;
            return reply("mailbox_folder", newest.slice(from, from + 50));
          }
          throw { code: "not_found", message: "no such mailbox" };
        case "open_message": {
          const all = [...state.mail.inbox, ...state.mail.citizenInbox];
          const m = all.find((x) => x.id === args.id);
          if (!m) throw { code: "not_found", message: "no such message" };
          // Opening is reading, as on the server (the engine then hears one fewer unread).
          m.deliveries = m.deliveries.map((d) => ({ ...d, state: "read", read_at: d.read_at || new Date().toISOString() }));
          persist();
          setTimeout(pushStatus, 50);
          return reply("open_message", m);
        }
        case "ask_consent":
          return reply("ask_consent", { id: "0190b2d8-0000-7000-8000-00000000c001", origin: "https://pietura.example", nonce: "bm9uY2U=",
            text_lv: `Es atļauju ILZE OZOLIŅA (161175-19997) lasīt manu e-adreses pastkastīti kopā ar mani ${args.minutes} minūtes.`,
            text_en: `I allow ILZE OZOLIŅA (161175-19997) to read my e-address mailbox with me for ${args.minutes} minutes.`,
            sign_before: new Date(Date.now() + 300000).toISOString() });
        case "sign_consent":
          if (args.pin !== "4321") throw { code: "wrong_pin", message: "wrong" };
          state.mail.consent = { id: args.id, mailbox: "_PRIVATE@29015611605", valid_until: new Date(Date.now() + 1800000).toISOString() };
          persist();
          return reply("sign_consent", state.mail.consent);
        case "consent_status":
          return reply("consent_status", state.mail.consent);
        case "consent_inbox":
          if (!state.mail.consent) throw { code: "no_consent", message: "none" };
          return reply("consent_inbox", state.mail.citizenInbox);
        case "open_customer_message": {
          if (!state.mail.consent) throw { code: "no_consent", message: "no consent" };
          const m = state.mail.citizenInbox.find((x) => x.id === args.id);
          if (!m) throw { code: "not_found", message: "no such message" };
          return reply("open_customer_message", { ...m, deliveries: m.deliveries.map((d) => ({ ...d, state: "read", read_at: new Date().toISOString() })) });
        }
        case "export_customer_attachment": {
          if (!state.mail.consent) throw { code: "no_consent", message: "no consent" };
          const m = state.mail.citizenInbox.find((x) => x.id === args.id);
          const a = m && m.attachments[args.index];
          if (!a) throw { code: "not_found", message: "no such attachment" };
          if (!/\.(pdf|jpe?g|png)$/i.test(a.name)) throw { code: "document_no_preview", message: "not printable" };
          persist();
          // Printed from the preview: then the visit notes it.
          return reply("export_customer_attachment", args.toPrinter ? held(a.name, "attachment_printed") : savedAs(`/tmp/receipts/${a.name}`));
        }
        case "mailbox_accesses":
          if (!(state.login.person?.roles || []).includes("admin")) throw { code: "forbidden", message: "not the owner" };
          // As the server answers: oldest first, the actor in words and the basis.
          return reply("mailbox_accesses", [{ at: "2026-11-25T08:00:00Z", actor: "person:161175-19997", action: "inbox_listed", detail: "3 messages", who: "161175-19997", basis: "own" },
                  { at: "2026-11-26T09:00:00Z", actor: "person:161175-19997", action: "message_sent", detail: "", who: "161175-19997", basis: "own" }]);
        case "consent_accesses":
          // As the server answers: oldest first, the actor in words and the basis.
          return reply("consent_accesses", [{ at: "2026-11-25T08:00:00Z", actor: "institution:https://pietura.lv/id/org/vid", action: "message_sent", detail: "", who: "Valsts ieņēmumu dienests", basis: "own" },
                  { at: new Date(Date.now() - 60000).toISOString(), actor: "person:29015611605", action: "consent_given", detail: "", who: "29015611605", basis: "consent" },
                  { at: new Date().toISOString(), actor: "person:32109876543", action: "inbox_listed", detail: "", who: "Rīgas VPVKAC", basis: "consent" }]);
        case "end_consent":
          state.mail.consent = null;
          persist();
          return reply("end_consent", null);
        case "start_visit":
          state.visit = { customer_code: args.customerCode, customer_name: args.customerName || "", started_at: new Date().toISOString(), actions: [] };
          persist();
          return reply("start_visit", state.visit);
        case "end_visit": {
          const ended = state.visit || null;
          state.visit = null;
          state.mail.consent = null;
          persist();
          return reply("end_visit", ended);
        }
        case "print_visit_receipt":
          if (!state.visit) throw { code: "no_visit", message: "no customer is being served" };
          return reply("print_visit_receipt", args.toPrinter ? held("Apmeklējuma kvīts") : savedAs("/tmp/receipts/visit.pdf"));
        case "read_customer_card":
          // The customer's card in the second reader, when a flow has put one there.
          if (!state.customerCard) throw { code: "no_card", message: "no card in the customer's reader" };
          return reply("read_customer_card", state.customerCard);
        case "customer_signer":
          // The card the customer would sign with: the one in the second reader, if any.
          if (!state.customerCard) throw { code: "no_customer_card", message: "no card in the customer's reader" };
          return reply("customer_signer", { ...state.customerCard, pin_tries_left: state.pin2Tries ?? 3 });
        case "application_preview": {
          // As the desk shows what the customer signs: the application's pages as pictures.
          if (draftView(findDraft(args.id)).errors.length > 0) throw { code: "form_incomplete", message: "answers missing" };
          state.shownApplication = { id: args.id, language: args.language };
          persist();
          return reply("application_preview", { total: 2, pages: [PAGE_PNG, PAGE_PNG] });
        }
        case "send_for_customer": {
          if (!state.mail.consent) throw { code: "no_consent", message: "the customer's consent is not in force" };
          // Sent at once in the customer's name (kept in the list the flows read), answered as
          // the server shows the message it took.
          const sent = queueMessage(args.request, "c");
          return reply("send_for_customer", {
            id: sent.id, sender: state.mail.consent.mailbox, subject: sent.subject, body: args.request.body || "",
            case_number: sent.case_number, attachments: [], sent_at: sent.created_at,
            deliveries: sent.recipients.map((recipient: string) => ({ recipient, state: "delivered" as const, delivered_at: sent.created_at, notified_on: sent.created_at.slice(0, 10), read_at: null })),
          });
        }
        case "service_forms":
          return reply("service_forms", args.serviceId === dogForm.service_id ? [{ id: dogForm.id, version: 1, title: dogForm.title }] : []);
        case "start_form": {
          if (!state.visit) throw { code: "no_visit", message: "no customer" };
          const now = new Date().toISOString();
          const d = { id: `0190b2d8-0000-7000-8000-00000000f${String((state.drafts || []).length).padStart(3, "0")}`, customer_code: state.visit.customer_code,
            customer_name: state.visit.customer_name, case_id: args.caseId, step: 0, updated_at: now,
            data: { applicant_name: state.visit.customer_name, applicant_code: state.visit.customer_code } };
          (state.drafts = state.drafts || []).unshift(d);
          persist();
          return reply("start_form", draftView(d));
        }
        case "form_draft":
          return reply("form_draft", draftView(findDraft(args.id)));
        case "save_form_draft": {
          const d = findDraft(args.id);
          Object.assign(d, { data: args.data, step: args.step, updated_at: new Date().toISOString() });
          persist();
          return reply("save_form_draft", draftView(d));
        }
        case "form_drafts":
          return reply("form_drafts", (state.drafts || [])
            .filter((d: any) => !args.customerCode || d.customer_code === args.customerCode)
            .map((d: any) => ({ id: d.id, form_id: dogForm.id, title: dogForm.title, customer_code: d.customer_code, customer_name: d.customer_name,
              case_id: d.case_id, step: d.step, steps: dogForm.steps.length, updated_at: d.updated_at })));
        case "attach_form_file": {
          const d = findDraft(args.id);
          // As the desk checks attachments: the portal's types by name, not empty.
          if (!/\.(pdf|png|jpe?g|tiff?|docx?|odt|edoc)$/i.test(args.name)) throw { code: "message_attachments", message: "type" };
          if (!args.content) throw { code: "attachment_empty", message: "empty" };
          const size = Math.floor((args.content.length * 3) / 4);
          const sha256 = Array.from(args.name + size, (c: string) => c.charCodeAt(0).toString(16).padStart(2, "0")).join("").padEnd(64, "0").slice(0, 64);
          d.data[args.field] = [...(d.data[args.field] || []), { name: args.name, sha256, size, media_type: "application/pdf" }];
          persist();
          return reply("attach_form_file", draftView(d));
        }
        case "attach_case_document_to_form":
          throw { code: "document_unknown", message: "the draft was not started from a case" };
        // The centre administrator: figures, staff and devices as the server answers them,
        // the last copy when the connection is off (changes refused then).
        case "centre_dashboard":
        case "centre_staff":
        case "centre_devices": {
          const admin = adminState();
          const stored = state.status.connection !== "online";
          const kept = (answer: any) => ({ answer, read_at: stored ? "2026-11-30T07:55:00Z" : new Date().toISOString(), stored, names: admin.names });
          if (cmd === "centre_dashboard") return reply("centre_dashboard", kept(admin.dashboard));
          if (cmd === "centre_staff") return reply("centre_staff", kept({ members: admin.members, logins: admin.logins }));
          return reply("centre_devices", kept({ devices: admin.devices }));
        }
        case "grant_role": {
          if (state.status.connection !== "online") throw { code: "unreachable", message: "offline" };
          const admin = adminState();
          if (!/^\d{6}-?\d{5}$/.test(args.personalCode)) throw { code: "personal_code_invalid", message: "shape" };
          const code = args.personalCode.replace(/^(\d{6})(\d{5})$/, "$1-$2");
          let member = admin.members.find((m: any) => m.personal_code === code);
          if (!member) {
            member = { personal_code: code, name: "", roles: [], since: new Date().toISOString(), last_login_at: null };
            admin.members.push(member);
          }
          if (!member.roles.includes(args.role)) member.roles.push(args.role);
          persist();
          return reply("grant_role", { members: admin.members, logins: admin.logins });
        }
        case "revoke_role": {
          if (state.status.connection !== "online") throw { code: "unreachable", message: "offline" };
          const admin = adminState();
          if (args.role === "admin" && args.personalCode === state.card.personal_code) throw { code: "conflict", message: "own admin role" };
          admin.members = admin.members
            .map((m: any) => (m.personal_code === args.personalCode ? { ...m, roles: m.roles.filter((r: string) => r !== args.role) } : m))
            .filter((m: any) => m.roles.length > 0);
          persist();
          return reply("revoke_role", null);
        }
        case "add_centre_device": {
          if (state.status.connection !== "online") throw { code: "unreachable", message: "offline" };
          const admin = adminState();
          if (admin.devices.some((d: any) => d.name === args.name.trim() && d.state !== "revoked")) throw { code: "conflict", message: "name taken" };
          const device = { id: `0190b2d8-0000-7000-8000-0000000d${String(admin.devices.length).padStart(4, "0")}`, kind: args.kind, name: args.name.trim(),
            desk_number: args.kind === "desk" ? admin.devices.filter((d: any) => d.kind === "desk").length + 1 : null, state: "waiting" as const,
            enrollment_expires_at: new Date(Date.now() + 86400000).toISOString(), last_seen_at: null, revoked_at: null, reported_version: null, outbox: null, behind: null, unseen: false };
          admin.devices.push(device);
          persist();
          return reply("add_centre_device", { device, code: "4HWN-P7QK" });
        }
        case "renew_device_code": {
          const device = adminState().devices.find((d: any) => d.id === args.id);
          if (!device || device.state === "enrolled") throw { code: "conflict", message: "enrolled" };
          device.state = "waiting";
          persist();
          return reply("renew_device_code", { device, code: "9TRM-2XQA" });
        }
        case "revoke_centre_device": {
          if (state.status.connection !== "online") throw { code: "unreachable", message: "offline" };
          const device = adminState().devices.find((d: any) => d.id === args.id);
          if (!device) throw { code: "not_found", message: "no such device" };
          if (device.name === state.enrollment.device_name) throw { code: "conflict", message: "own desk" };
          device.state = "revoked";
          device.revoked_at = new Date().toISOString();
          // As the server: a revoked device is no longer in use, so neither behind nor unseen.
          device.behind = null;
          device.unseen = false;
          persist();
          return reply("revoke_centre_device", null);
        }
        case "save_centre_figures":
          return reply("save_centre_figures", savedAs("/data/receipts/pietura-R1V-2026-12-05.csv"));
        case "print_held": {
          if (!state.held || state.held.token !== args.token) throw { code: "not_found", message: "no such preview" };
          if (args.copies < 1 || args.copies > 20) throw { code: "print_failed", message: "copies" };
          if (state.held.note && state.visit) state.visit.actions.push({ at: new Date().toISOString(), kind: state.held.note, text: state.held.title, case_id: null });
          state.lastPrint = { title: state.held.title, printer: args.printer, copies: args.copies };
          state.held = null;
          persist();
          return reply("print_held", { pdf: null, job: `${args.printer ?? "default"}-1`, preview: null });
        }
        case "close_desk":
          state.closed = true;
          persist();
          return reply("close_desk", null);
        case "drop_held_print":
          state.held = null;
          persist();
          return reply("drop_held_print", null);
        case "remove_form_file": {
          const d = findDraft(args.id);
          d.data[args.field] = (d.data[args.field] || []).filter((f: any) => f.sha256 !== args.sha256);
          persist();
          return reply("remove_form_file", draftView(d));
        }
        case "submit_form": {
          // As the desk submits: only a complete draft; the case registered and submitted, one
          // message to the holder with the application and its files, the draft gone.
          const d = findDraft(args.id);
          if (draftView(d).errors.length > 0) throw { code: "form_incomplete", message: "answers missing" };
          // Signed by the applicant: their card in the second reader and their PIN2.
          if (!args.sign || !args.pin2) throw { code: "signature_required", message: "PIN2" };
          if (state.shownApplication?.id !== args.id || state.shownApplication?.language !== args.language)
            throw { code: "application_not_shown", message: "show the application first" };
          if (!state.customerCard) throw { code: "no_customer_card", message: "no card in the customer's reader" };
          if ((state.pin2Tries ?? 3) === 0) throw { code: "pin_blocked", message: "PIN2 blocked" };
          if (args.pin2 !== "654321") {
            state.pin2Tries = (state.pin2Tries ?? 3) - 1;
            persist();
            throw { code: state.pin2Tries === 0 ? "pin_blocked" : "wrong_pin", message: "wrong PIN2" };
          }
          state.pin2Tries = 3;
          const now = new Date().toISOString();
          const n = state.cases.filter((c) => c.number.startsWith("R1V-01-")).length + 3;
          const c = {
            id: `0190b2d8-0000-7000-8000-${String(n).padStart(12, "0")}`, number: `R1V-01-26-${String(n).padStart(4, "0")}`,
            service_id: dogForm.service_id, service_name: "Suņu turēšanas nodevas samaksa", kind: "application", channel: "vpvkac_in_person",
            status: "submitted", customer_type: "natural", customer_code: d.customer_code, customer_name: d.customer_name,
            holder_institution: "https://pietura.lv/id/org/riga", holder_name: "Rīgas valstspilsētas pašvaldība",
            arrived_at: now, served_at: now, waiting_seconds: 0, service_seconds: 60,
            history: [
              { status: "registered", at: now, by: "staff", by_id: "161175-19997", offline: state.status.connection !== "online", note: "" },
              { status: "submitted", at: now, by: "staff", by_id: "161175-19997", offline: state.status.connection !== "online", note: `E-veidlapa iesniegta: ${dogForm.title.text} (versija 1)` },
            ],
            unsent: 1, refused: null, refused_code: null, refused_kind: null, notes: [], news: null,
          };
          state.cases.unshift(c);
          const files = Object.values(d.data).filter(Array.isArray).flat().map((f: any) => f.name);
          const queued = queueMessage({ recipients: ["_DEFAULT@90011524360"], subject: `E-veidlapa: ${dogForm.title.text} (${c.number})`, case_id: c.id }, "a");
          queued.attachments = ["application.json", "application.pdf", ...files];
          state.drafts = state.drafts.filter((x: any) => x.id !== args.id);
          if (state.visit) state.visit.actions.push({ at: now, kind: "form_submitted", text: `${c.number} ${dogForm.title.text}`, case_id: c.id });
          persist();
          return reply("submit_form", { submission: queued.id, case_id: c.id, case_number: c.number, institution: c.holder_name });
        }
        case "reopen_refused_submission":
          // The flows' server never refuses a submission.
          findCase(args.caseId);
          throw { code: "form_draft_unknown", message: "this case has no refused e-form submission" };
        case "discard_form_draft":
          findDraft(args.id);
          state.drafts = state.drafts.filter((d: any) => d.id !== args.id);
          persist();
          return reply("discard_form_draft", null);
        case "print_case_receipt":
          findCase(args.id);
          return reply("print_case_receipt", args.toPrinter ? held("Lietas kvīts") : savedAs(`/tmp/receipts/${args.id}.pdf`));
        case "flag_article":
          if (state.status.connection !== "online") throw { code: "unreachable", message: "offline" };
          (state.flags = state.flags || []).push(args);
          persist();
          return reply("flag_article", null);
        default:
          throw { code: "unknown", message: `no fake for ${cmd}` };
      }
  }
}
