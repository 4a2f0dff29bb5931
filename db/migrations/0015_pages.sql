-- 0015: audit event types for the account pages: profile edits and account deletion.
BEGIN;

INSERT INTO audit_event_types (name) VALUES ('profile.updated'), ('user.deleted');

INSERT INTO schema_migrations (version, name, checksum) VALUES ('0015', 'pages', '863840f7f1cafb85a6214ee605874068e19ac4c155715c625c845f5a284d2957');
COMMIT;
