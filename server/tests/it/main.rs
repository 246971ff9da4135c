//! Integration tests of the server crate: the storage conformance suite on both backends, and
//! the HTTP API over a real socket.

/// Runs API scenarios on a server over SQLite and over PostgreSQL: each scenario `async fn(x)`
/// becomes the tests `<scenario>::on_sqlite` and `<scenario>::on_postgres`, given a running
/// server (`server:`) or a fresh empty backend (`backend:`).
macro_rules! on_both_backends {
    (server: $($scenario:ident),+ $(,)?) => {
        $(mod $scenario {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn on_sqlite() {
                super::$scenario(crate::api::start_on(crate::backends::sqlite().await).await).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn on_postgres() {
                super::$scenario(crate::api::start_on(crate::backends::postgres().await).await).await;
            }
        })+
    };
    (training_server: $($scenario:ident),+ $(,)?) => {
        $(mod $scenario {
            use server::environment::Environment;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn on_sqlite() {
                let backend = crate::backends::sqlite().await;
                super::$scenario(crate::api::start_on_with(backend, |s| s.in_environment(Environment::Training)).await).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn on_postgres() {
                let backend = crate::backends::postgres().await;
                super::$scenario(crate::api::start_on_with(backend, |s| s.in_environment(Environment::Training)).await).await;
            }
        })+
    };
    (backend: $($scenario:ident),+ $(,)?) => {
        $(mod $scenario {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn on_sqlite() {
                super::$scenario(crate::backends::sqlite().await).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn on_postgres() {
                super::$scenario(crate::backends::postgres().await).await;
            }
        })+
    };
}

mod api;
mod authorisation_matrix;
mod backends;
mod cases_api;
mod catalogue_api;
mod centre_admin;
mod cpsv;
mod eaddress_api;
mod form_submissions;
mod forms_api;
mod fuzz_regressions;
mod login_api;
mod outbox_authorship;
mod own_applications;
mod postgres_tls;
mod releases_api;
mod scenarios_api;
mod signed_replies;
mod store;
mod training_api;
mod training_line;
mod uploads_api;

/// The people, institutions and services the tests use (valid-looking test personal codes).
mod people {
    pub const VID: &str = "https://pietura.lv/id/org/vid";
    pub const LDC: &str = "https://pietura.lv/id/org/ldc";
    pub const DOGS: &str = "https://pietura.lv/id/service/dog-registration";
    pub const VID_BOX: &str = "_DEFAULT@90000069281";
    pub const CENTRE_BOX: &str = "RCV@90011524360";
    pub const CLERK: &str = "161175-19997";
    pub const CLERK_BOX: &str = "_PRIVATE@16117519997";
    pub const COLLEAGUE: &str = "210860-10528";
    pub const CITIZEN: &str = "325035-11782";
    pub const CITIZEN_BOX: &str = "_PRIVATE@32503511782";
    pub const OTHER_CITIZEN: &str = "290156-11605";
    pub const COMPANY_BOX: &str = "_DEFAULT@40003521600";

    /// The server's own clock, as the tests compare against it.
    pub fn now() -> chrono::DateTime<chrono::Utc> {
        server::clock::system_clock()()
    }
}

/// Runs each conformance case against SQLite and against PostgreSQL.
macro_rules! conformance {
    ($($case:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $case() {
                let backend = crate::backends::sqlite().await;
                crate::store::$case(backend.store.clone()).await;
            })*
        }
        mod postgres {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $case() {
                let backend = crate::backends::postgres().await;
                crate::store::$case(backend.store.clone()).await;
            })*
        }
    };
}

conformance!(
    migrations_are_idempotent_and_versioned,
    a_database_belongs_to_the_first_environment_that_claims_it,
    centres_are_unique_by_name_and_listed_in_order,
    devices_need_an_existing_centre_and_a_unique_live_name,
    enrollment_codes_work_once_and_only_before_expiry,
    concurrent_redemptions_of_one_code_let_exactly_one_through,
    revocation_is_idempotent_and_frees_the_name,
    last_seen_is_recorded,
    a_waiting_device_can_get_a_new_code_and_the_old_one_stops_working,
    catalogue_changes_get_versions_and_feed_positions,
    concurrent_catalogue_writers_never_share_or_skip_a_position,
    institutions_keys_links_and_flags_are_kept,
    advice_changes_unverify_linked_articles_and_keys_keep_to_their_institution,
    login_challenges_work_once_and_expired_ones_are_swept,
    concurrent_takes_of_one_challenge_let_exactly_one_through,
    throttles_count_a_keys_attempts_within_the_window_and_report_a_refusal_once,
    racing_attempts_cannot_all_pass_a_throttle,
    role_grants_sessions_and_auth_events_are_kept,
    revoking_a_role_or_a_device_ends_the_sessions_it_carried,
    a_case_entry_applies_once_however_often_it_is_sent,
    concurrent_pushes_of_one_entry_apply_it_exactly_once,
    case_updates_apply_once_and_only_from_the_expected_status,
    every_case_write_takes_the_next_feed_position_in_its_scope,
    concurrent_case_writers_never_share_a_feed_position,
    audit_entries_chain_in_commit_order_under_concurrent_writers,
    mailboxes_deliver_each_message_once_and_page_newest_first,
    messages_sent_at_once_are_each_written_once_and_a_bad_one_fails_alone,
    case_statistics_count_by_month_service_institution_channel_and_kind,
    desks_are_numbered_in_their_centre_and_numbers_are_never_reused,
    form_submissions_are_recorded_once_and_fed_by_form,
    workshops_are_kept_with_their_seats_and_seats_are_reset,
);

/// Conformance cases that also reach around the store (to tamper with what it wrote).
macro_rules! conformance_raw {
    ($($case:ident),* $(,)?) => {
        mod sqlite_raw {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $case() {
                let backend = crate::backends::sqlite().await;
                crate::store::$case(backend.store.clone(), &backend.raw).await;
            })*
        }
        mod postgres_raw {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $case() {
                let backend = crate::backends::postgres().await;
                crate::store::$case(backend.store.clone(), &backend.raw).await;
            })*
        }
    };
}

conformance_raw!(
    audit_tampering_is_detected_and_named,
    uploads_count_until_named_and_only_unnamed_old_content_is_collected,
);
