-- Institution API keys may expire (issue 12): refused after expires_at like after revoked_at.
ALTER TABLE institution_keys ADD COLUMN expires_at TEXT;
