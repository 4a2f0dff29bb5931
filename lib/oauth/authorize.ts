/**
 * The authorization endpoint's decision (OpenID Connect Core §3.1.2, RFC 6749 §4.1, RFC 7636,
 * RFC 9207, RFC 9700 §2.1.1 and §4.1).
 *
 * Order: the client and its redirect URI are checked first, and a request that fails them is
 * never redirected (an error page instead: no open redirect through an unregistered URI).
 * Every later error goes back to the registered redirect URI with `error`, `state` and `iss`.
 * Then: response_type=code only; scopes (openid required); PKCE with S256 only; then the
 * person: no browser session, `prompt=login`, a `max_age` that has passed, or `acr_values`
 * asking for aal2 on an aal1 session all send the browser through /sign-in (the session is
 * ended first when a fresh sign-in is needed) and back, carrying a signed login marker so the
 * fresh sign-in is recognised; `prompt=none` answers login_required / consent_required instead
 * of showing any page. Clients not marked first-party need the person's consent for the
 * scopes (remembered per client). Finally a code: 256 random bits, only its SHA-256 stored,
 * single use, OAUTH_CODE_TTL_SECONDS long, bound to the client, redirect URI, PKCE challenge,
 * nonce, scopes and the browser session, with auth_time, acr and amr for the ID token.
 * Every code, consent and denial is audited.
 */
import { SignJWT, jwtVerify } from "jose";
import type { Config } from "../config";
import type { Db } from "../db";
import type { Actor } from "../http/context";
import { PAGES } from "../http/pages";
import { addSeconds } from "../clock";
import { recordAuditEvent } from "../audit/audit";
import { sha256Hex } from "../crypto/digest";
import { randomToken } from "../crypto/random";
import { consumeRateLimit, ipKey } from "../rate-limit/rate-limit";
import { revokeSessionById } from "../sessions/queries";
import type { ValidSession } from "../sessions/sessions";
import { accessSigningKey, signingKeys } from "../tokens/jwt";
import { findActiveClient, isRegisteredRedirectUri, type OAuthClientRecord } from "./clients";
import { findConsentScopes, insertAuthorizationCode, upsertConsent } from "./grant-queries";
import { ACR_AAL1, ACR_AAL2, includesAll, parseScopes, type Scope } from "./scopes";

export const AUTHORIZE_PATH = "/api/oauth/authorize";
/** The query parameter that carries the signed "sign in again after" marker through /sign-in. */
export const LOGIN_MARKER_PARAM = "login_marker";
const LOGIN_MARKER_TYPE = "portcullis-login-marker+jwt";
const LOGIN_MARKER_TTL_SECONDS = 900;
const CODE_BYTES = 32;
const CODE_CHALLENGE = /^[A-Za-z0-9_-]{43}$/;
const NONCE_MAX = 512;
const STATE_MAX = 2048;
const SINGLE_VALUED = [
  "client_id",
  "redirect_uri",
  "response_type",
  "scope",
  "state",
  "nonce",
  "code_challenge",
  "code_challenge_method",
  "prompt",
  "max_age",
  "acr_values",
  "response_mode",
  LOGIN_MARKER_PARAM,
];

export type AuthorizeConfig = Config;

/** A request that passed the client and redirect URI checks: what the consent page shows. */
export interface ValidatedRequest {
  readonly client: OAuthClientRecord;
  readonly redirectUri: string;
  readonly state: string | null;
  readonly scopes: readonly Scope[];
  readonly nonce: string | null;
  readonly codeChallenge: string;
  readonly prompt: ReadonlySet<string>;
  readonly maxAgeSeconds: number | null;
  readonly requireAal2: boolean;
  readonly loginMarker: string | null;
}

export type AuthorizeOutcome =
  /** Send the browser here (the client's redirect URI with a code or an error). */
  | { readonly kind: "redirect"; readonly location: string }
  /** Show the error page (never redirect): the client or redirect URI is not valid. */
  | { readonly kind: "error_page"; readonly error: string; readonly status: number; readonly retryAfterSeconds?: number }
  /** Send the browser to /sign-in with this returnTo; end the current session first when asked. */
  | { readonly kind: "sign_in"; readonly returnTo: string; readonly endSessionId: string | null }
  /** Show the consent page for this request. */
  | { readonly kind: "consent"; readonly location: string };

type Validation = { ok: true; request: ValidatedRequest } | { ok: false; outcome: AuthorizeOutcome };

function errorRedirect(redirectUri: string, error: string, description: string, state: string | null, issuer: string): AuthorizeOutcome {
  const url = new URL(redirectUri);
  url.searchParams.set("error", error);
  url.searchParams.set("error_description", description);
  if (state !== null) url.searchParams.set("state", state);
  url.searchParams.set("iss", issuer);
  return { kind: "redirect", location: url.toString() };
}

/** Checks a request's parameters (no person involved yet). Used by the endpoint and the consent page. */
export async function validateAuthorizationRequest(db: Db, params: URLSearchParams, cfg: AuthorizeConfig): Promise<Validation> {
  const page = (error: string): Validation => ({ ok: false, outcome: { kind: "error_page", error, status: 400 } });
  if (SINGLE_VALUED.some((name) => params.getAll(name).length > 1)) return page("invalid_request");
  const clientId = params.get("client_id");
  const client = clientId ? await findActiveClient(db, clientId) : null;
  if (!client) return page("invalid_client");
  const redirectUri = params.get("redirect_uri");
  if (!redirectUri || !isRegisteredRedirectUri(client, redirectUri)) return page("invalid_redirect_uri");

  const state = params.get("state");
  const fail = (error: string, description: string): Validation => ({
    ok: false,
    outcome: errorRedirect(redirectUri, error, description, state !== null && state.length <= STATE_MAX ? state : null, cfg.issuer),
  });
  if (state !== null && state.length > STATE_MAX) return fail("invalid_request", "state is too long");
  if (params.get("response_type") !== "code") return fail("unsupported_response_type", "only response_type=code is supported");
  const responseMode = params.get("response_mode");
  if (responseMode !== null && responseMode !== "query") return fail("invalid_request", "only response_mode=query is supported");
  const scopes = parseScopes(params.get("scope"));
  if (!scopes) return fail("invalid_scope", "scope must include openid");
  const method = params.get("code_challenge_method");
  const codeChallenge = params.get("code_challenge");
  if (!codeChallenge || method === null) return fail("invalid_request", "PKCE is required: code_challenge with code_challenge_method=S256");
  if (method !== "S256") return fail("invalid_request", "code_challenge_method must be S256");
  if (!CODE_CHALLENGE.test(codeChallenge)) return fail("invalid_request", "code_challenge must be a base64url SHA-256 (43 characters)");
  const nonce = params.get("nonce");
  if (nonce !== null && (nonce.length === 0 || nonce.length > NONCE_MAX)) return fail("invalid_request", "nonce is empty or too long");
  const prompt = new Set((params.get("prompt") ?? "").split(" ").filter(Boolean));
  if ([...prompt].some((p) => !["none", "login", "consent", "select_account"].includes(p)))
    return fail("invalid_request", "unknown prompt value");
  if (prompt.has("none") && prompt.size > 1) return fail("invalid_request", "prompt=none cannot be combined with other values");
  const maxAgeText = params.get("max_age");
  if (maxAgeText !== null && !/^\d{1,9}$/.test(maxAgeText)) return fail("invalid_request", "max_age must be a number of seconds");
  const acrValues = (params.get("acr_values") ?? "").split(" ").filter(Boolean);
  return {
    ok: true,
    request: {
      client,
      redirectUri,
      state,
      scopes,
      nonce,
      codeChallenge,
      prompt,
      maxAgeSeconds: maxAgeText === null ? null : Number(maxAgeText),
      requireAal2: acrValues.includes(ACR_AAL2),
      loginMarker: params.get(LOGIN_MARKER_PARAM),
    },
  };
}

// --- the login marker: "a sign-in after time T satisfies this request" ------------------------

async function signLoginMarker(cfg: AuthorizeConfig, clientId: string, now: Date): Promise<string> {
  const key = accessSigningKey(await signingKeys(cfg), now);
  const iat = Math.floor(now.getTime() / 1000);
  return new SignJWT({ client_id: clientId })
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: LOGIN_MARKER_TYPE })
    .setIssuer(cfg.issuer)
    .setAudience(`${cfg.issuer}${AUTHORIZE_PATH}`)
    .setIssuedAt(iat)
    .setExpirationTime(iat + LOGIN_MARKER_TTL_SECONDS)
    .sign(key.privateKey);
}

/** The time after which a sign-in satisfies this request, if the marker is genuine and for this client. */
async function loginMarkerTime(cfg: AuthorizeConfig, marker: string | null, clientId: string, now: Date): Promise<Date | null> {
  if (!marker) return null;
  try {
    const { payload } = await jwtVerify(marker, (await signingKeys(cfg)).resolver, {
      issuer: cfg.issuer,
      audience: `${cfg.issuer}${AUTHORIZE_PATH}`,
      typ: LOGIN_MARKER_TYPE,
      algorithms: ["EdDSA", "ES256"],
      currentDate: now,
    });
    return payload.client_id === clientId && typeof payload.iat === "number" ? new Date(payload.iat * 1000) : null;
  } catch {
    return null;
  }
}

function pathWith(path: string, params: URLSearchParams, changes: Record<string, string | null>): string {
  const next = new URLSearchParams(params);
  for (const [k, v] of Object.entries(changes)) {
    if (v === null) next.delete(k);
    else next.set(k, v);
  }
  return `${path}?${next.toString()}`;
}

export interface AuthorizeInput {
  readonly params: URLSearchParams;
  readonly current: ValidSession | null;
  readonly now: Date;
  readonly actor: Actor;
  /** The person has just approved the consent page for this request. */
  readonly consentGiven?: boolean;
  /** The person has just refused on the consent page. */
  readonly consentRefused?: boolean;
}

export async function authorize(db: Db, input: AuthorizeInput, cfg: AuthorizeConfig): Promise<AuthorizeOutcome> {
  const limit = await consumeRateLimit(
    db,
    ipKey("oauth-authorize", input.actor.ip),
    { limit: cfg.OAUTH_RATE_LIMIT_PER_WINDOW, windowSeconds: cfg.OAUTH_RATE_LIMIT_WINDOW_SECONDS },
    input.now,
  );
  if (!limit.allowed) return { kind: "error_page", error: "too_many_requests", status: 429, retryAfterSeconds: limit.retryAfterSeconds };
  const audit = (type: "oauth.authorize.denied" | "oauth.consent.denied", reason: string, clientId: string | null) =>
    recordAuditEvent(db, {
      type,
      result: "failure",
      actor: input.actor,
      actorId: input.current?.user.id ?? null,
      targetId: input.current?.user.id ?? null,
      sessionId: input.current?.session.id ?? null,
      now: input.now,
      details: { reason, clientId },
    });

  const validated = await validateAuthorizationRequest(db, input.params, cfg);
  if (!validated.ok) {
    const outcome = validated.outcome;
    const reason =
      outcome.kind === "error_page" ? outcome.error : new URL((outcome as { location: string }).location).searchParams.get("error");
    await audit("oauth.authorize.denied", reason ?? "invalid_request", input.params.get("client_id")?.slice(0, 64) ?? null);
    return outcome;
  }
  const req = validated.request;
  const deny = async (error: string, description: string) => {
    await audit(error === "access_denied" ? "oauth.consent.denied" : "oauth.authorize.denied", error, req.client.id);
    return errorRedirect(req.redirectUri, error, description, req.state, cfg.issuer);
  };
  const interactive = !req.prompt.has("none");

  // the person
  const current = input.current;
  const signInAgain = async (endSessionId: string | null): Promise<AuthorizeOutcome> => ({
    kind: "sign_in",
    endSessionId,
    returnTo: pathWith(AUTHORIZE_PATH, input.params, {
      [LOGIN_MARKER_PARAM]: await signLoginMarker(cfg, req.client.id, input.now),
      prompt: null,
    }),
  });
  if (!current) {
    if (!interactive) return deny("login_required", "the person is not signed in");
    return signInAgain(null);
  }
  const authTime = current.session.reauthenticatedAt;
  const markerTime = await loginMarkerTime(cfg, req.loginMarker, req.client.id, input.now);
  const freshEnough = markerTime !== null && authTime >= markerTime;
  const needsFreshLogin =
    !freshEnough &&
    (req.prompt.has("login") || (req.maxAgeSeconds !== null && input.now.getTime() - authTime.getTime() > req.maxAgeSeconds * 1000));
  if (needsFreshLogin) {
    if (!interactive) return deny("login_required", "a fresh sign-in is required");
    return signInAgain(current.session.id);
  }
  if (req.requireAal2 && current.session.aal < 2) {
    if (!interactive) return deny("interaction_required", "a second factor is required");
    if (freshEnough) return deny("unmet_authentication_requirements", "the sign-in did not use a second factor");
    return signInAgain(current.session.id);
  }

  // consent
  if (input.consentRefused) return deny("access_denied", "the person refused");
  if (!req.client.firstParty && !input.consentGiven) {
    const granted = await findConsentScopes(db, current.user.id, req.client.id);
    const covered = granted !== null && includesAll(granted, req.scopes);
    if (!covered || req.prompt.has("consent")) {
      if (!interactive) return deny("consent_required", "the person has not consented to these scopes");
      return { kind: "consent", location: pathWith(PAGES.oauthConsent, input.params, {}) };
    }
  }

  // the code
  const code = randomToken(CODE_BYTES);
  const acr = current.session.aal === 2 ? ACR_AAL2 : ACR_AAL1;
  await db.transaction(async (tx) => {
    if (input.consentGiven && !req.client.firstParty) {
      await upsertConsent(tx, current.user.id, req.client.id, req.scopes, input.now);
      await recordAuditEvent(tx, {
        type: "oauth.consent.granted",
        result: "success",
        actor: input.actor,
        actorId: current.user.id,
        targetId: current.user.id,
        sessionId: current.session.id,
        now: input.now,
        details: { clientId: req.client.id, scopes: req.scopes },
      });
    }
    await insertAuthorizationCode(tx, {
      codeHash: sha256Hex(code),
      clientId: req.client.id,
      userId: current.user.id,
      browserSessionId: current.session.id,
      redirectUri: req.redirectUri,
      codeChallenge: req.codeChallenge,
      nonce: req.nonce,
      scopes: req.scopes,
      authTime,
      acr,
      amr: current.session.amr,
      now: input.now,
      expiresAt: addSeconds(input.now, cfg.OAUTH_CODE_TTL_SECONDS),
    });
    await recordAuditEvent(tx, {
      type: "oauth.code.issued",
      result: "success",
      actor: input.actor,
      actorId: current.user.id,
      targetId: current.user.id,
      sessionId: current.session.id,
      now: input.now,
      details: { clientId: req.client.id, scopes: req.scopes, acr },
    });
  });
  const url = new URL(req.redirectUri);
  url.searchParams.set("code", code);
  if (req.state !== null) url.searchParams.set("state", req.state);
  url.searchParams.set("iss", cfg.issuer);
  return { kind: "redirect", location: url.toString() };
}

/** Ends the browser session before a fresh sign-in is asked for (prompt=login, max_age, step-up). */
export async function endSessionForSignIn(db: Db, sessionId: string, now: Date): Promise<void> {
  await revokeSessionById(db, sessionId, "logout", now);
}
