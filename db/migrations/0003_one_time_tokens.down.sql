-- Reverts 0003.
BEGIN;
DROP TABLE mfa_challenges;
DROP TABLE one_time_tokens;
DELETE FROM schema_migrations WHERE version = '0003';
COMMIT;
