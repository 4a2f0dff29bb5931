/**
 * Reading client credentials from a token or revocation request (RFC 6749 §2.3.1):
 * client_secret_basic (Authorization: Basic, with id and secret form-urlencoded first),
 * client_secret_post (client_id and client_secret in the body), or none (client_id only). Using
 * two methods at once is refused (§2.3). The secret is checked by clients.ts, in constant time.
 */
import type { ClientCredentials } from "./clients";

export type CredentialsParse =
  | { readonly ok: true; readonly credentials: ClientCredentials; readonly method: "client_secret_basic" | "client_secret_post" | "none" }
  | { readonly ok: false; readonly error: "invalid_request" | "invalid_client" };

function formDecode(value: string): string | null {
  try {
    return decodeURIComponent(value.replace(/\+/g, " "));
  } catch {
    return null;
  }
}

export function clientCredentialsFrom(authorization: string | null, form: URLSearchParams): CredentialsParse {
  const bodyId = form.get("client_id");
  const bodySecret = form.get("client_secret");
  if (authorization !== null && /^Basic /i.test(authorization)) {
    if (bodySecret !== null) return { ok: false, error: "invalid_request" };
    let decoded: string;
    try {
      decoded = atob(authorization.slice(6).trim());
    } catch {
      return { ok: false, error: "invalid_client" };
    }
    const colon = decoded.indexOf(":");
    const id = colon > 0 ? formDecode(decoded.slice(0, colon)) : null;
    const secret = colon > 0 ? formDecode(decoded.slice(colon + 1)) : null;
    if (!id || secret === null || (bodyId !== null && bodyId !== id)) return { ok: false, error: "invalid_client" };
    return { ok: true, credentials: { clientId: id, secret }, method: "client_secret_basic" };
  }
  if (!bodyId) return { ok: false, error: "invalid_client" };
  if (bodySecret !== null) return { ok: true, credentials: { clientId: bodyId, secret: bodySecret }, method: "client_secret_post" };
  return { ok: true, credentials: { clientId: bodyId, secret: null }, method: "none" };
}
