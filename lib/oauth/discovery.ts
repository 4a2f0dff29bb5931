/** The OpenID Provider metadata (OpenID Connect Discovery 1.0; RFC 8414; RFC 9207). */
import type { Config } from "../config";
import { ID_TOKEN_ALGORITHM } from "../tokens/jwt";
import { SUPPORTED_ACR_VALUES, SUPPORTED_SCOPES } from "./scopes";

export function discoveryDocument(cfg: Pick<Config, "issuer" | "APP_URL">) {
  const base = new URL(cfg.APP_URL).origin;
  const authMethods = ["client_secret_basic", "client_secret_post", "none"];
  return {
    issuer: cfg.issuer,
    authorization_endpoint: `${base}/api/oauth/authorize`,
    token_endpoint: `${base}/api/oauth/token`,
    userinfo_endpoint: `${base}/api/oauth/userinfo`,
    jwks_uri: `${base}/.well-known/jwks.json`,
    revocation_endpoint: `${base}/api/oauth/revoke`,
    end_session_endpoint: `${base}/api/oauth/end-session`,
    response_types_supported: ["code"],
    response_modes_supported: ["query"],
    grant_types_supported: ["authorization_code", "refresh_token"],
    subject_types_supported: ["public"],
    id_token_signing_alg_values_supported: [ID_TOKEN_ALGORITHM],
    scopes_supported: [...SUPPORTED_SCOPES],
    claims_supported: ["iss", "sub", "aud", "exp", "iat", "auth_time", "nonce", "acr", "amr", "sid", "email", "email_verified", "name"],
    acr_values_supported: [...SUPPORTED_ACR_VALUES],
    prompt_values_supported: ["none", "login", "consent"],
    token_endpoint_auth_methods_supported: authMethods,
    revocation_endpoint_auth_methods_supported: authMethods,
    code_challenge_methods_supported: ["S256"],
    authorization_response_iss_parameter_supported: true,
    claims_parameter_supported: false,
    request_parameter_supported: false,
    request_uri_parameter_supported: false,
  };
}
