import { invoke, type InvokeArgs } from "@tauri-apps/api/core";
import type { Language } from "./i18n";
// Generated from the Rust types (src-tauri/tests/typescript_bindings.rs): never edit them here.
import type { ApplicationPreview } from "./bindings/ApplicationPreview";
import type { ArticlePage } from "./bindings/ArticlePage";
import type { BrowseEntry } from "./bindings/BrowseEntry";
import type { CardView } from "./bindings/CardView";
import type { CaseKind } from "./bindings/CaseKind";
import type { CaseStatus } from "./bindings/CaseStatus";
import type { CaseView } from "./bindings/CaseView";
import type { DraftSummary } from "./bindings/DraftSummary";
import type { SubmittedView } from "./bindings/SubmittedView";
import type { DraftView } from "./bindings/DraftView";
import type { ErrorCode } from "./bindings/ErrorCode";
import type { FormSummary } from "./bindings/FormSummary";
import type { LinkView } from "./bindings/LinkView";
import type { LoginView } from "./bindings/LoginView";
import type { OutboxProblem } from "./bindings/OutboxProblem";
import type { PlanView } from "./bindings/PlanView";
import type { PrintOutcome } from "./bindings/PrintOutcome";
import type { ServicePage } from "./bindings/ServicePage";
import type { SyncStatus } from "./bindings/SyncStatus";
import type { VisitView } from "./bindings/VisitView";
export type { CardDetails } from "./bindings/CardDetails";
export type { CatalogueStatus } from "./bindings/CatalogueStatus";
export type { Centre } from "./bindings/Centre";
export type { Connection } from "./bindings/Connection";
export type { DocumentView as CaseDocument } from "./bindings/DocumentView";
export type { Local } from "./bindings/Local";
export type { NoteView as CaseNote } from "./bindings/NoteView";
export type { OutboxStatus } from "./bindings/OutboxStatus";
export type { Person } from "./bindings/Person";
export type { PlanView } from "./bindings/PlanView";
export type { PlanStepView } from "./bindings/PlanStepView";
export type { PrintOutcome } from "./bindings/PrintOutcome";
export type { PrintPreview } from "./bindings/PrintPreview";
/** A life-situation plan's answers, by question id. */
export type PlanAnswers = Record<string, boolean>;
export type {
  ArticlePage,
  BrowseEntry,
  CardView,
  CaseKind,
  CaseStatus,
  CaseView,
  LinkView,
  LoginView,
  OutboxProblem,
  ServicePage,
  SyncStatus,
  VisitView,
};

export interface Enrollment {
  server_url: string;
  device_name: string;
  centre_name: string;
  centre_municipality: string;
}

export interface AppState {
  language: Language;
  enrollment: Enrollment | null;
  /** A training desk (workshops): every screen says so. */
  training: boolean;
}

export interface SearchHit {
  kind: "service" | "article" | "organisation";
  id: string;
  title: string;
  language: string;
  snippet: { text: string; highlighted: boolean }[];
}

export interface SearchFilters {
  has_e_service?: boolean;
  institution?: string;
  channel?: string;
  municipality?: string;
  life_event?: string;
}

/** Every command failure: `code` is stable and translated; `message` is English detail. */
export interface CommandError {
  /** The desk's own codes (`device::ErrorCode`), or one the server named. */
  code: ErrorCode;
  message: string;
}

export function asCommandError(error: unknown): CommandError {
  if (typeof error === "object" && error !== null && "code" in error) {
    const e = error as { code: unknown; message?: unknown };
    return { code: String(e.code), message: String(e.message ?? "") };
  }
  return { code: "unknown", message: String(error) };
}

export interface LoginStatus {
  login: LoginView;
  card: CardView;
}

/** A failed login: the code, and the PIN tries left after a wrong PIN. */
export interface LoginError extends CommandError {
  tries_left?: number | null;
}

export interface DirectoryEntry {
  address: string;
  name: string;
}

export interface ComposeRequest {
  recipients: string[];
  subject: string;
  body: string;
  case_id?: string | null;
  document_ids?: string[];
  /** Files from this computer: `content` as base64. */
  files?: { name: string; content: string }[];
  /** The received message this one answers. */
  in_reply_to?: string | null;
}

/** A message this desk wrote: `queued` until the server has it. */
export interface QueuedMessage {
  id: string;
  recipients: string[];
  /** Each recipient by the offline e-address catalogue's name (the address when it has none). */
  recipient_names?: string[];
  subject: string;
  case_id: string | null;
  case_number: string | null;
  attachments: string[];
  created_at: string;
  state: "queued" | "sent" | "refused";
  refused: string | null;
  refused_code: string | null;
  /** Each recipient's state on the server, as last heard. */
  deliveries: MailDelivery[];
}

export interface Mailbox {
  address: string;
  name: string;
  kind: string;
  rights: string;
  centre: boolean;
}

export interface MailDelivery {
  recipient: string;
  /** The recipient mailbox's name, where the server sends it. */
  recipient_name?: string;
  state: "delivered" | "notified" | "read";
  delivered_at?: string;
  notified_on: string;
  read_at: string | null;
}

export interface MailMessage {
  id: string;
  sender: string;
  /** The sending mailbox's name (the address when the server does not know it). */
  sender_name?: string;
  subject: string;
  body: string;
  case_number: string | null;
  attachments: { name: string; size: number; sha256: string }[];
  sent_at: string;
  deliveries: MailDelivery[];
}

export interface ConsentChallenge {
  id: string;
  origin: string;
  nonce: string;
  text_lv: string;
  text_en: string;
  sign_before: string;
}

/** One access to a mailbox, as its owner is shown it. */
export interface MailboxAccess {
  at: string;
  /** `person:<code>`, `institution:<id>`, `operator`. */
  actor: string;
  action: string;
  detail: string;
  /** The actor in words: an institution's or a centre's name, a person's code. */
  who: string;
  /** `own`, `delegation`, `consent` or `operator`. */
  basis: string;
}

export interface ActiveConsent {
  id: string;
  mailbox: string;
  valid_until: string;
  /** `read` or `communicate`. */
  rights: string;
}

export interface RegisterCaseRequest {
  service_id: string;
  kind: CaseKind;
  channel?: string;
  customer_code: string;
  customer_name?: string;
  note?: string;
}


export const CHANNELS = [
  "vpvkac_in_person",
  "institution_in_person",
  "e_service",
  "phone",
  "email",
  "e_address",
  "post",
] as const;

/** A server answer and when it was read; `stored`: the desk's last copy, the server being away. */
export interface Kept<T> {
  answer: T;
  read_at: string;
  stored: boolean;
  /** Ids the answer names (services), by name in the desk's language. */
  names: Record<string, string>;
}

export interface NamedCount {
  key: string;
  cases: number;
}

export interface PeriodFigures {
  cases: number;
  by_service: NamedCount[];
  by_channel: NamedCount[];
  by_clerk: NamedCount[];
}

export interface DayFigures {
  day: string;
  cases: number;
  waiting_median_minutes: number | null;
  waiting_p90_minutes: number | null;
  service_median_minutes: number | null;
  service_p90_minutes: number | null;
}

export interface CentreDashboard {
  centre: { id: string; name: string; municipality: string; code: string };
  computed_at: string;
  today: PeriodFigures;
  month: PeriodFigures;
  days: DayFigures[];
  messages: { sent: number; read: number };
  /** The centre's devices whose outbox holds something, as each last said. */
  outboxes: DeviceOutbox[];
}

/** What a device last said its outbox holds (`oldest`: its oldest waiting entry). */
export interface OutboxReport {
  pending: number;
  refused: number;
  oldest: string | null;
}

export interface DeviceOutbox {
  device_id: string;
  name: string;
  desk_number: number | null;
  outbox: OutboxReport;
  reported_at: string | null;
}

/** A workshop's scenario (data published on the training server), texts by language. */
export interface TrainingScenario {
  id: string;
  life_situation: string;
  title: Record<string, string>;
  story: Record<string, string>;
  steps: { id: string; text: Record<string, string>; check: { kind: string } }[];
}

export interface TrainingPerson {
  personal_code: string;
  given_name: string;
  surname: string;
  pin1: string;
  pin2: string;
}

export interface StepProgress {
  step: string;
  state: "done" | "waiting" | "wrong";
  code: string | null;
  reason: string | null;
}

export interface WorkshopSeat {
  seat: number;
  device_id: string;
  device_name: string;
  desk_number: number | null;
  enrollment_code: string | null;
  clerk: TrainingPerson;
  customers: { scenario: string; person: TrainingPerson; relatives: { role: Record<string, string>; person: TrainingPerson }[] }[];
  progress: { scenario: string; steps: StepProgress[]; finished: boolean }[];
  reset_at: string;
  last_login_at: string | null;
}

export interface WorkshopView {
  id: string;
  series: number;
  created_at: string;
  scenarios: TrainingScenario[];
  seats: WorkshopSeat[];
}

export interface WorkshopList {
  workshops: { id: string; series: number; created_at: string; scenarios: string[] }[];
}

export interface StaffMember {
  personal_code: string;
  name: string;
  roles: string[];
  since: string;
  last_login_at: string | null;
}

export interface StaffList {
  members: StaffMember[];
  logins: { at: string; kind: string; personal_code: string | null; device_name: string }[];
}

export interface CentreDevice {
  id: string;
  kind: "desk" | "kiosk";
  name: string;
  desk_number: number | null;
  state: "waiting" | "expired" | "enrolled" | "revoked";
  enrollment_expires_at: string;
  last_seen_at: string | null;
  revoked_at: string | null;
  reported_version: string | null;
  /** The newest version the fleet runs, when this device runs an older one. */
  behind: string | null;
  /** In use but not heard from for a day. */
  unseen: boolean;
  outbox: OutboxReport | null;
}

export interface DeviceEnrollmentCode {
  device: CentreDevice;
  code: string;
}

/** What each desk command answers: the one list the app's calls and the flows' fake backend are typed by. */
export interface Answers {
  open_link: null;
  open_saved_copy: null;
  save_copy_as: string | null;
  ui_log: null;
  first_screen_shown: null;
  training_scenarios: { scenarios: TrainingScenario[] };
  workshops: WorkshopList;
  open_workshop: WorkshopView;
  workshop: WorkshopView;
  reset_workshop: WorkshopView;
  workshop_handouts: PrintOutcome;
  workshop_record: PrintOutcome;
  insert_training_card: TrainingPerson;
  remove_training_card: null;
  app_state: AppState;
  set_language: null;
  enroll: Enrollment;
  sync_status: SyncStatus;
  retry_sync: null;
  search_catalogue: SearchHit[];
  service_page: ServicePage;
  article_page: ArticlePage;
  browse_catalogue: BrowseEntry[];
  services_of: LinkView[];
  life_plan: PlanView | null;
  save_life_plan: PrintOutcome;
  flag_article: null;
  outbox_problems: OutboxProblem[];
  login_status: LoginStatus;
  log_in: LoginView;
  log_out: LoginView;
  register_case: CaseView;
  change_case_status: CaseView;
  case_page: CaseView;
  find_cases: CaseView[];
  add_case_note: CaseView;
  mark_case_seen: null;
  cases_with_news: CaseView[];
  add_case_document: CaseView;
  case_document_preview: { media_type: string; content: string };
  export_case_document: PrintOutcome;
  eaddress_directory: DirectoryEntry[];
  compose_message: QueuedMessage;
  queued_messages: QueuedMessage[];
  mailboxes: Mailbox[];
  mailbox_folder: MailMessage[];
  open_message: MailMessage;
  ask_consent: ConsentChallenge;
  sign_consent: ActiveConsent;
  consent_status: ActiveConsent | null;
  consent_inbox: MailMessage[];
  end_consent: null;
  open_customer_message: MailMessage;
  export_customer_attachment: PrintOutcome;
  send_for_customer: MailMessage;
  consent_accesses: MailboxAccess[];
  mailbox_accesses: MailboxAccess[];
  read_customer_card: CardView["card"];
  customer_signer: CardView["card"];
  check_customer_code: "natural" | "legal";
  start_visit: VisitView;
  current_visit: VisitView | null;
  end_visit: VisitView | null;
  print_case_receipt: PrintOutcome;
  print_visit_receipt: PrintOutcome;
  service_forms: FormSummary[];
  start_form: DraftView;
  form_draft: DraftView;
  save_form_draft: DraftView;
  form_drafts: DraftSummary[];
  discard_form_draft: null;
  application_preview: ApplicationPreview;
  submit_form: SubmittedView;
  reopen_refused_submission: DraftView;
  attach_form_file: DraftView;
  attach_case_document_to_form: DraftView;
  remove_form_file: DraftView;
  centre_dashboard: Kept<CentreDashboard>;
  centre_staff: Kept<StaffList>;
  centre_devices: Kept<{ devices: CentreDevice[] }>;
  grant_role: StaffList;
  revoke_role: null;
  add_centre_device: DeviceEnrollmentCode;
  revoke_centre_device: null;
  renew_device_code: DeviceEnrollmentCode;
  save_centre_figures: PrintOutcome;
  print_held: PrintOutcome;
  drop_held_print: null;
  close_desk: null;
}

function call<C extends keyof Answers>(command: C, args?: InvokeArgs): Promise<Answers[C]> {
  return invoke<Answers[C]>(command, args);
}

export const api = {
  /** Opens a web address in the system's browser (never in the desk's window). */
  openLink: (url: string) => call("open_link", { url }),
  openSavedCopy: (name: string) => call("open_saved_copy", { name }),
  /** The system's "Save as" dialog for a saved copy: the path written, or null if cancelled. */
  saveCopyAs: (name: string) => call("save_copy_as", { name }),
  uiLog: (level: "warn" | "error", message: string) => call("ui_log", { level, message }),
  firstScreenShown: (screen: "enrollment" | "login") => call("first_screen_shown", { screen }),
  trainingScenarios: () => call("training_scenarios"),
  workshops: () => call("workshops"),
  openWorkshop: (scenarios: string[], seats: number) => call("open_workshop", { scenarios, seats }),
  workshop: (id: string) => call("workshop", { id }),
  resetWorkshop: (id: string, seat: number | null) => call("reset_workshop", { id, seat }),
  workshopHandouts: (toPrinter: boolean) => call("workshop_handouts", { toPrinter }),
  workshopRecord: (id: string, toPrinter: boolean) => call("workshop_record", { id, toPrinter }),
  insertTrainingCard: (personalCode: string, forCustomer: boolean) => call("insert_training_card", { personalCode, forCustomer }),
  removeTrainingCard: (forCustomer: boolean) => call("remove_training_card", { forCustomer }),
  appState: () => call("app_state"),
  setLanguage: (language: Language) => call("set_language", { language }),
  enroll: (serverUrl: string, code: string) => call("enroll", { serverUrl, code }),
  syncStatus: () => call("sync_status"),
  retrySync: () => call("retry_sync"),
  search: (text: string, filters?: SearchFilters) => call("search_catalogue", { text, filters }),
  servicePage: (id: string) => call("service_page", { id }),
  articlePage: (id: string) => call("article_page", { id }),
  browse: () => call("browse_catalogue"),
  servicesOf: (kind: string, id: string) => call("services_of", { kind, id }),
  /** The plan of a life situation for the answers given; `null` when it has no scenario. */
  lifePlan: (event: string, answers: PlanAnswers) => call("life_plan", { event, answers }),
  saveLifePlan: (event: string, answers: PlanAnswers, toPrinter: boolean) =>
    call("save_life_plan", { event, answers, toPrinter }),
  flagArticle: (id: string, reason: string, note: string) => call("flag_article", { id, reason, note }),
  outboxProblems: () => call("outbox_problems"),
  loginStatus: () => call("login_status"),
  /** `pin: null` when the reader has its own PIN pad. */
  logIn: (pin: string | null) => call("log_in", { pin }),
  logOut: () => call("log_out"),
  registerCase: (request: RegisterCaseRequest) => call("register_case", { request }),
  changeCaseStatus: (id: string, to: CaseStatus, note: string) => call("change_case_status", { id, to, note }),
  casePage: (id: string) => call("case_page", { id }),
  findCases: (query: string) => call("find_cases", { query }),
  addCaseNote: (id: string, text: string) => call("add_case_note", { id, text }),
  markCaseSeen: (id: string) => call("mark_case_seen", { id }),
  casesWithNews: () => call("cases_with_news"),
  /** `content`: the file as base64. */
  addCaseDocument: (id: string, name: string, content: string) => call("add_case_document", { id, name, content }),
  caseDocumentPreview: (caseId: string, documentId: string) =>
    call("case_document_preview", { caseId, documentId }),
  exportCaseDocument: (caseId: string, documentId: string, toPrinter: boolean) =>
    call("export_case_document", { caseId, documentId, toPrinter }),
  eaddressDirectory: (query: string) => call("eaddress_directory", { query }),
  composeMessage: (request: ComposeRequest) => call("compose_message", { request }),
  queuedMessages: () => call("queued_messages"),
  mailboxes: () => call("mailboxes"),
  /** A page of a mailbox folder, newest first; `before`: the time and id of the last one shown. */
  mailboxFolder: (address: string, folder: "inbox" | "sent", before?: { at: string; id: string }) =>
    call("mailbox_folder", { address, folder, before: before?.at ?? null, beforeId: before?.id ?? null }),
  openMessage: (address: string, id: string) => call("open_message", { address, id }),
  askConsent: (rights: "read" | "communicate", minutes: number) => call("ask_consent", { rights, minutes }),
  signConsent: (id: string, pin: string) => call("sign_consent", { id, pin }),
  consentStatus: () => call("consent_status"),
  consentInbox: () => call("consent_inbox"),
  endConsent: () => call("end_consent"),
  /** Opens a message in the consenting customer's mailbox (their reading: the sender is told). */
  openCustomerMessage: (id: string) => call("open_customer_message", { id }),
  /** A copy of a customer's PDF or picture attachment, saved and, when asked, printed. */
  exportCustomerAttachment: (id: string, index: number, toPrinter: boolean) =>
    call("export_customer_attachment", { id, index, toPrinter }),
  sendForCustomer: (request: ComposeRequest) => call("send_for_customer", { request }),
  consentAccesses: () => call("consent_accesses"),
  /** Who accessed a mailbox the person answers for (the centre's, for its administrator). */
  mailboxAccesses: (address: string) => call("mailbox_accesses", { address }),
  readCustomerCard: () => call("read_customer_card"),
  /** The customer's card to sign with: whose it is, PIN2 tries left. */
  customerSigner: () => call("customer_signer"),
  checkCustomerCode: (code: string) => call("check_customer_code", { code }),
  startVisit: (customerCode: string, customerName: string) =>
    call("start_visit", { customerCode, customerName }),
  currentVisit: () => call("current_visit"),
  endVisit: () => call("end_visit"),
  printCaseReceipt: (id: string, toPrinter: boolean) => call("print_case_receipt", { id, toPrinter }),
  printVisitReceipt: (toPrinter: boolean) => call("print_visit_receipt", { toPrinter }),
  serviceForms: (serviceId: string) => call("service_forms", { serviceId }),
  startForm: (formId: string, caseId: string | null) => call("start_form", { formId, caseId }),
  formDraft: (id: string) => call("form_draft", { id }),
  saveFormDraft: (id: string, data: Record<string, unknown>, step: number) => call("save_form_draft", { id, data, step }),
  formDrafts: (customerCode: string | null) => call("form_drafts", { customerCode }),
  discardFormDraft: (id: string) => call("discard_form_draft", { id }),
  /** The application's pages as the customer signs them (shown before PIN2). */
  applicationPreview: (id: string, language: Language) => call("application_preview", { id, language }),
  /** `sign`: the customer signs with their card; `pin2` as they typed it, `null` on the reader's pad. */
  submitForm: (id: string, language: Language, sign: boolean, pin2: string | null) =>
    call("submit_form", { id, language, sign, pin2 }),
  reopenRefusedSubmission: (caseId: string) => call("reopen_refused_submission", { caseId }),
  attachFormFile: (id: string, field: string, name: string, content: string) =>
    call("attach_form_file", { id, field, name, content }),
  attachCaseDocumentToForm: (id: string, field: string, documentId: string) =>
    call("attach_case_document_to_form", { id, field, documentId }),
  removeFormFile: (id: string, field: string, sha256: string) => call("remove_form_file", { id, field, sha256 }),
  centreDashboard: () => call("centre_dashboard"),
  centreStaff: () => call("centre_staff"),
  centreDevices: () => call("centre_devices"),
  grantRole: (personalCode: string, role: string) => call("grant_role", { personalCode, role }),
  revokeRole: (personalCode: string, role: string) => call("revoke_role", { personalCode, role }),
  addCentreDevice: (kind: "desk" | "kiosk", name: string) => call("add_centre_device", { kind, name }),
  revokeCentreDevice: (id: string) => call("revoke_centre_device", { id }),
  renewDeviceCode: (id: string) => call("renew_device_code", { id }),
  saveCentreFigures: () => call("save_centre_figures"),
  /** Prints what the preview shows; `printer: null` for the system's default. */
  printHeld: (token: string, printer: string | null, copies: number) => call("print_held", { token, printer, copies }),
  dropHeldPrint: () => call("drop_held_print"),
  /** Closes the window although a visit is open (the clerk was asked). */
  closeDesk: () => call("close_desk"),
};
