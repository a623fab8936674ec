-- 002: the audit table is append-only. UPDATE and TRUNCATE are refused to everyone; DELETE only to members of
-- the retention role (parley_retention), whose purges are themselves audited. Group roles parley_writer (what
-- Parley runs as) and parley_retention are created when the migrating role may create roles, and granted here.

CREATE FUNCTION audit_log_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE'
     AND EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'parley_retention')
     AND pg_has_role(current_user, 'parley_retention', 'MEMBER') THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION 'audit_log is append-only: % is not allowed for role %', TG_OP, current_user
    USING ERRCODE = 'insufficient_privilege',
          HINT = 'retention purges run as a member of parley_retention (parley audit purge); see docs/deployment.md';
END
$$;

CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_log_guard();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION audit_log_guard();

DO $$
DECLARE
  r text;
BEGIN
  FOREACH r IN ARRAY ARRAY['parley_writer', 'parley_retention'] LOOP
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) THEN
      BEGIN
        EXECUTE format('CREATE ROLE %I NOLOGIN', r);
      EXCEPTION WHEN insufficient_privilege OR duplicate_object OR unique_violation THEN
        RAISE NOTICE 'role % not created (%); create it as in docs/deployment.md', r, SQLERRM;
      END;
    END IF;
  END LOOP;
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'parley_writer') THEN
    EXECUTE format('GRANT USAGE ON SCHEMA %I TO parley_writer', current_schema());
    EXECUTE format('GRANT SELECT ON %I.schema_migrations TO parley_writer', current_schema());
    GRANT SELECT, INSERT, UPDATE, DELETE ON api_keys TO parley_writer;
    GRANT SELECT, INSERT ON audit_log TO parley_writer;
  END IF;
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'parley_retention') THEN
    EXECUTE format('GRANT USAGE ON SCHEMA %I TO parley_retention', current_schema());
    EXECUTE format('GRANT SELECT ON %I.schema_migrations TO parley_retention', current_schema());
    GRANT SELECT, INSERT, DELETE ON audit_log TO parley_retention;
  END IF;
END
$$;
