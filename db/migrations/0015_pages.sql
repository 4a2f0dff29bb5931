-- 0015: audit event types for the account pages (profile edits).
BEGIN;

INSERT INTO audit_event_types (name) VALUES ('profile.updated');

INSERT INTO schema_migrations (version, name, checksum) VALUES ('0015', 'pages', '6cd513203aa27afb2b2f0f37cfe7f93cd93939bb423783cb4e80fc5effb14130');
COMMIT;
