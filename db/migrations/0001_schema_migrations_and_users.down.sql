-- Reverts 0001. This is the last down to run: it removes the migration ledger itself.
BEGIN;
DROP TABLE password_history;
DROP TABLE users;
DROP FUNCTION set_updated_at();
DROP TABLE schema_migrations;
COMMIT;
