/** The public shapes of users and sessions: what responses contain, never a database row. */
import type { SessionRecord, SessionUser } from "./queries";

export interface PublicUser {
  readonly id: string;
  readonly email: string;
  readonly name: string | null;
  readonly emailVerified: boolean;
  readonly roles: readonly string[];
}

export interface PublicSession {
  readonly id: string;
  readonly aal: 1 | 2;
  readonly amr: readonly string[];
  readonly createdAt: string;
  readonly lastActivityAt: string;
  readonly idleExpiresAt: string;
  readonly absoluteExpiresAt: string;
  readonly reauthenticatedAt: string;
  readonly ip: string | null;
  readonly userAgent: string | null;
  readonly current: boolean;
}

export function publicUser(
  user: SessionUser | { id: string; email: string; name: string | null; emailVerifiedAt: Date | null },
  roles: readonly string[] = [],
): PublicUser {
  const emailVerified = "emailVerified" in user ? user.emailVerified : user.emailVerifiedAt !== null;
  return { id: user.id, email: user.email, name: user.name, emailVerified, roles: "roles" in user ? user.roles : roles };
}

export function publicSession(session: SessionRecord, currentId: string | null): PublicSession {
  return {
    id: session.id,
    aal: session.aal,
    amr: session.amr,
    createdAt: session.createdAt.toISOString(),
    lastActivityAt: session.lastActivityAt.toISOString(),
    idleExpiresAt: session.idleExpiresAt.toISOString(),
    absoluteExpiresAt: session.absoluteExpiresAt.toISOString(),
    reauthenticatedAt: session.reauthenticatedAt.toISOString(),
    ip: session.ip,
    userAgent: session.userAgent,
    current: session.id === currentId,
  };
}
