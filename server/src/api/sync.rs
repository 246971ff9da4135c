//! The sync protocol's own endpoints: enrollment, hello, the outbox and message states.

use super::*;

/// Trade a one-time enrollment code for device credentials.
#[utoipa::path(post, path = "/v1/devices/enroll", request_body = EnrollRequest,
    params(("pietura-protocol" = u32, Header, description = "Sync protocol version")),
    responses(
        (status = 200, description = "Enrolled; the secret is shown only now", body = EnrollResponse),
        (status = 409, description = "The code was already used", body = ErrorBody),
        (status = 422, description = "The code is malformed, unknown or expired", body = ErrorBody),
        (status = 429, description = "Too many wrong codes from this address; see Retry-After", body = ErrorBody)
    ))]
pub(super) async fn enroll(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: axum::http::HeaderMap,
    ApiJson(request): ApiJson<EnrollRequest>,
) -> Result<Json<EnrollResponse>, ApiError> {
    let now = (state.clock)();
    let address = throttle::client_address(peer.ip(), &headers, &state.trusted_proxies);
    let client = throttle::client_key(address);
    // Counted before it is tried (racing guesses cannot all pass), given back unless it was a
    // wrong code.
    let store = state.store.as_ref();
    let attempt = match state.enrollment_failures.acquire(store, &client, now).await? {
        Ok(attempt) => attempt,
        Err(wait) => {
            tracing::warn!(peer = %address, "enrollment attempts throttled");
            if state.enrollment_failures.first_refusal(store, &client, now).await? {
                audit_throttled(&state, now, format!("address:{client}"), "enrollment codes").await?;
            }
            return Err(ApiError::too_many_attempts("wrong enrollment codes from this address", wait));
        }
    };
    match devices::enroll(store, &request.enrollment_code, now).await {
        Ok(response) => {
            state.enrollment_failures.forgive(store, attempt).await;
            Ok(Json(response))
        }
        Err(error) => {
            tracing::warn!(peer = %address, %error, "enrollment refused");
            if !matches!(error, DeviceError::Code(_) | DeviceError::Store(StoreError::EnrollmentCodeUnknown)) {
                state.enrollment_failures.forgive(store, attempt).await;
            }
            Err(error.into())
        }
    }
}

/// Applies a device's outbox entries, each exactly once, and answers for each.
#[utoipa::path(post, path = "/v1/sync/outbox", request_body = protocol::OutboxPush,
    params(("pietura-protocol" = u32, Header, description = "Sync protocol version")),
    security(("device" = [])),
    responses(
        (status = 200, description = "One result per entry, in order", body = protocol::OutboxReply),
        (status = 401, description = "Unknown device", body = ErrorBody),
        (status = 403, description = "Not a desk", body = ErrorBody),
        (status = 422, description = "Too many entries in one push", body = ErrorBody)
    ))]
pub(super) async fn push_outbox(
    State(state): State<AppState>,
    AuthenticatedDevice(device): AuthenticatedDevice,
    ApiJson(push): ApiJson<protocol::OutboxPush>,
) -> Result<Json<protocol::OutboxReply>, ApiError> {
    if push.entries.len() > protocol::MAX_OUTBOX_BATCH {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            protocol::error_codes::VALIDATION,
            format!("at most {} entries in one push", protocol::MAX_OUTBOX_BATCH),
        )
        .with_field("entries"));
    }
    // Cases and messages are a desk's work: a kiosk has nothing to push.
    only_desks(&device)?;
    let now = (state.clock)();
    let mut results: Vec<(usize, protocol::OutboxResult)> = Vec::with_capacity(push.entries.len());
    // Each entry's author proven first (each distinct proof once); the unproven are refused.
    let mut authors = crate::authorship::AuthorCheck::new(state.store.as_ref(), state.login.as_deref(), &device, now);
    let mut proven = Vec::with_capacity(push.entries.len());
    for (position, entry) in push.entries.into_iter().enumerate() {
        // A person from the other side of the line: this entry only is refused.
        if let Err(crossing) = state.environment.crossing_in_json(&entry.payload) {
            tracing::warn!(entry = %entry.id, "an outbox entry from the other side of the training line was refused");
            results.push((
                position,
                crate::cases::EntryOutcome::rejected(
                    protocol::rejection_codes::ENVIRONMENT_CROSSING,
                    crossing.to_string(),
                )
                .into_result(entry.id),
            ));
            continue;
        }
        match authors.prove(entry.author.as_ref()).await? {
            Ok(author) => proven.push((position, entry, author)),
            Err(unproven) => results.push((
                position,
                crate::cases::EntryOutcome::Rejected { code: unproven.code, reason: unproven.reason }
                    .into_result(entry.id),
            )),
        }
    }
    // Case entries are applied in one transaction; then messages and e-form submissions (a
    // message with its case), one by one, through the e-address rules (a submission may be about
    // a case registered in the same push). Answers keep the entries' order.
    let (messages, others): (Vec<_>, Vec<_>) =
        proven.into_iter().partition(|(_, entry, _)| matches!(entry.kind.as_str(), "message_send" | "form_submission"));
    let (positions, case_entries): (Vec<usize>, Vec<_>) =
        others.into_iter().map(|(position, entry, author)| (position, (entry, author))).unzip();
    let case_results = crate::cases::apply_entries(state.store.as_ref(), &device, case_entries, now).await?;
    results.extend(positions.into_iter().zip(case_results));
    for (position, entry, author) in messages {
        let (store, attachments, calendar) = (state.store.as_ref(), &state.attachments, &state.calendar);
        let result = if entry.kind == "form_submission" {
            let login = state.login.as_deref();
            crate::submissions::apply_form_submission(store, attachments, calendar, login, &device, &author, entry, now)
                .await?
        } else {
            crate::eaddress::apply_message_entry(store, attachments, calendar, &device, &author, entry, now).await?
        };
        results.push((position, result));
    }
    results.sort_by_key(|(position, _)| *position);
    let results: Vec<protocol::OutboxResult> = results.into_iter().map(|(_, result)| result).collect();
    for result in results.iter().filter(|r| r.outcome == "rejected") {
        // The code only: a reason may name a mailbox, and a person's mailbox holds their personal code.
        tracing::warn!(device = %device.id, entry = %result.id, code = ?result.code, "outbox entry rejected");
    }
    Ok(Json(protocol::OutboxReply { results }))
}

/// How the messages a desk's centre sent stand, recipient by recipient, for the desk to show
/// (offline too, as last heard).
#[utoipa::path(post, path = "/v1/sync/message-states", request_body = protocol::MessageStatesRequest,
    params(("pietura-protocol" = u32, Header)),
    security(("device" = [])),
    responses((status = 200, body = protocol::MessageStates), (status = 401, body = ErrorBody),
        (status = 403, description = "Not a desk", body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn message_states(
    State(state): State<AppState>,
    AuthenticatedDevice(device): AuthenticatedDevice,
    ApiJson(request): ApiJson<protocol::MessageStatesRequest>,
) -> Result<Json<protocol::MessageStates>, ApiError> {
    // The centre's sent messages and its unread count are the desks' business: a kiosk in a
    // library learns nothing of the centre's mail (the authorisation matrix found it could).
    only_desks(&device)?;
    if request.ids.len() > protocol::MAX_OUTBOX_BATCH {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            protocol::error_codes::VALIDATION,
            format!("at most {} ids at once", protocol::MAX_OUTBOX_BATCH),
        )
        .with_field("ids"));
    }
    let messages =
        crate::eaddress::states_for_device(state.store.as_ref(), &device, &request.ids, (state.clock)()).await?;
    let unread = crate::eaddress::unread_for_device(state.store.as_ref(), &device).await?;
    Ok(Json(protocol::MessageStates { messages, unread }))
}

/// Who the server thinks this device is, and the server's time.
#[utoipa::path(get, path = "/v1/sync/hello",
    params(("pietura-protocol" = u32, Header, description = "Sync protocol version")),
    security(("device" = [])),
    responses(
        (status = 200, description = "The device is known and active", body = HelloResponse),
        (status = 401, description = "Unknown device or wrong secret", body = ErrorBody),
        (status = 403, description = "The device was revoked", body = ErrorBody)
    ))]
pub(super) async fn hello(
    State(state): State<AppState>,
    AuthenticatedDevice(device): AuthenticatedDevice,
) -> Result<Json<HelloResponse>, ApiError> {
    let update = crate::releases::offer_for(state.store.as_ref(), &device).await?;
    Ok(Json(HelloResponse {
        protocol_version: PROTOCOL_VERSION,
        server_time: (state.clock)(),
        device_id: device.id,
        device_name: device.name,
        centre: device.centre,
        desk_number: device.desk_number,
        update,
    }))
}

/// A release's package, for the devices of its kind (the hello names it by its digest).
#[utoipa::path(get, path = "/v1/sync/releases/{sha256}",
    params(
        ("pietura-protocol" = u32, Header, description = "Sync protocol version"),
        ("sha256" = String, Path, description = "The package's SHA-256, as the hello's update offer gives it")
    ),
    security(("device" = [])),
    responses(
        (status = 200, description = "The package (check its digest and signature before installing it)", content_type = "application/vnd.debian.binary-package"),
        (status = 401, description = "Unknown device or wrong secret", body = ErrorBody),
        (status = 403, description = "The device was revoked", body = ErrorBody),
        (status = 404, description = "No release of this device's kind has that digest", body = ErrorBody)
    ))]
pub(super) async fn release(
    State(state): State<AppState>,
    AuthenticatedDevice(device): AuthenticatedDevice,
    axum::extract::Path(sha256): axum::extract::Path<String>,
) -> Result<axum::response::Response, ApiError> {
    let content = if crate::eaddress::valid_digest(&sha256) {
        state.store.release_content(&device.kind.to_string(), &sha256).await?
    } else {
        None
    };
    let content = content.ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            protocol::error_codes::NOT_FOUND,
            "no release of this device's kind has that digest".to_owned(),
        )
    })?;
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, "application/vnd.debian.binary-package"),
            (axum::http::header::CACHE_CONTROL, "private, max-age=86400, immutable"),
        ],
        content,
    )
        .into_response())
}
