/** What the API shows of a linked identity: never the provider's user id. */
import type { LinkedIdentity } from "./queries";

export interface PublicIdentity {
  readonly id: string;
  readonly provider: string;
  readonly email: string | null;
  readonly linkedAt: string;
  readonly lastUsedAt: string | null;
}

export function publicIdentity(identity: LinkedIdentity): PublicIdentity {
  return {
    id: identity.id,
    provider: identity.provider,
    email: identity.email,
    linkedAt: identity.createdAt.toISOString(),
    lastUsedAt: identity.lastUsedAt?.toISOString() ?? null,
  };
}
