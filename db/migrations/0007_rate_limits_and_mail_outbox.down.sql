-- Reverts 0007.
BEGIN;
DROP TABLE mail_outbox;
DROP TABLE login_throttles;
DROP TABLE rate_limits;
DELETE FROM schema_migrations WHERE version = '0007';
COMMIT;
