-- Reverts 0002.
BEGIN;
DROP TABLE refresh_tokens;
DROP TABLE sessions;
DELETE FROM schema_migrations WHERE version = '0002';
COMMIT;
