-- 0005: roles with jsonb permission lists, user_roles, and linked OAuth accounts.
-- Permissions are strings "resource:action"; "*" grants everything. The GIN index answers
-- "which roles grant this permission" (permissions @> '["users:read"]').
BEGIN;

CREATE TABLE roles (
  id           integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name         text NOT NULL UNIQUE CHECK (name ~ '^[a-z][a-z0-9_]{1,39}$'),
  description  text NOT NULL DEFAULT '' CHECK (length(description) <= 500),
  permissions  jsonb NOT NULL DEFAULT '[]'::jsonb
               CONSTRAINT roles_permissions_array CHECK (jsonb_typeof(permissions) = 'array'),
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX roles_permissions_gin ON roles USING gin (permissions jsonb_path_ops);
CREATE TRIGGER roles_set_updated_at BEFORE UPDATE ON roles
  FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE user_roles (
  user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  role_id     integer NOT NULL REFERENCES roles (id) ON DELETE RESTRICT,
  granted_at  timestamptz NOT NULL DEFAULT now(),
  granted_by  uuid REFERENCES users (id) ON DELETE SET NULL,
  PRIMARY KEY (user_id, role_id)
);
CREATE INDEX user_roles_role_idx ON user_roles (role_id);

INSERT INTO roles (name, description, permissions) VALUES
  ('admin', 'Full administration of users, sessions, roles and the audit log',
   '["users:read", "users:write", "sessions:revoke", "roles:assign", "audit:read", "security:read"]'),
  ('support', 'Reads accounts and the audit log, ends sessions, sends reset emails',
   '["users:read", "sessions:revoke", "audit:read"]'),
  ('user', 'A signed-in user; no administrative permission', '[]');

CREATE TABLE oauth_accounts (
  id                   uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id              uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  provider             text NOT NULL CHECK (provider ~ '^[a-z0-9_-]{2,40}$'),
  provider_account_id  text NOT NULL CHECK (length(provider_account_id) BETWEEN 1 AND 255),
  created_at           timestamptz NOT NULL DEFAULT now(),
  UNIQUE (provider, provider_account_id)
);
CREATE INDEX oauth_accounts_user_idx ON oauth_accounts (user_id);

INSERT INTO schema_migrations (version, name, checksum) VALUES ('0005', 'rbac_and_oauth', '8faf38c07de2db5caad7134d25d53eb3884fcc680dae74589dcb9bccd2e94109');
COMMIT;
