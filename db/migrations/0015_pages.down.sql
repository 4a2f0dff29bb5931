-- Reverts 0015.
BEGIN;
DELETE FROM audit_event_types WHERE name IN ('profile.updated', 'user.deleted');
DELETE FROM schema_migrations WHERE version = '0015';
COMMIT;
