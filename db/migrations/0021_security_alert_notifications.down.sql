-- Reverts 0021. Audit rows are history and cannot be deleted (0006): an event type that audit
-- rows already use stays declared.
BEGIN;
DELETE FROM audit_event_types t WHERE NOT EXISTS (SELECT 1 FROM audit_logs a WHERE a.event_type = t.name)
  AND t.name IN ('security.alert.raised', 'security.alert.webhook');
DROP TABLE alert_webhook_deliveries;
DROP TABLE security_alert_raises;
DROP TABLE alert_watermarks;
DELETE FROM schema_migrations WHERE version = '0021';
COMMIT;
