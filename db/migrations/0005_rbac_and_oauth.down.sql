-- Reverts 0005.
BEGIN;
DROP TABLE oauth_accounts;
DROP TABLE user_roles;
DROP TABLE roles;
DELETE FROM schema_migrations WHERE version = '0005';
COMMIT;
