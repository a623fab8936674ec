-- 001: API keys (hashes only) and the audit trail (one row per sealed line). No conversation content, ever.
-- Runs with search_path set to the configured schema (state.postgres.schema).

CREATE TABLE api_keys (
  id             text PRIMARY KEY,
  name           text NOT NULL,
  role           text NOT NULL CHECK (role IN ('user', 'auditor', 'admin')),
  owner          text NOT NULL,
  hash           text NOT NULL UNIQUE CHECK (hash ~ '^[0-9a-f]{64}$'),
  state          text NOT NULL CHECK (state IN ('active', 'expiring', 'revoked')),
  created_at_ms  bigint NOT NULL,
  expires_at_ms  bigint,
  grace_until_ms bigint,
  replaced_by    text,
  revoked_at_ms  bigint
);

CREATE TABLE audit_log (
  seq              bigint PRIMARY KEY CHECK (seq > 0),
  type             text NOT NULL CHECK (type IN ('event', 'checkpoint')),
  line             text NOT NULL,
  line_hash        text NOT NULL CHECK (line_hash ~ '^[0-9a-f]{64}$'),
  time             timestamptz NOT NULL,
  action           text,
  principal_id     text,
  outcome          text,
  since_checkpoint integer NOT NULL,
  written_at       timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX audit_log_time ON audit_log (time);
CREATE INDEX audit_log_action ON audit_log (action, seq);
