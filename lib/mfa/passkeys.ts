/**
 * Passkeys (WebAuthn, Level 3) on the account: register, list, rename, remove. Signing in with
 * one is lib/accounts/passkey-sign-in.ts. The ceremonies' cryptography (CBOR, COSE keys,
 * attestation formats, signature checks) is @simplewebauthn/server's (docs/design-decisions.md).
 *
 * Model: registration starts inside the re-authentication window with a verified address (as
 * TOTP enrolment does) and returns creation options: a 256-bit random challenge, stored in
 * webauthn_challenges bound to the asking session and its user, valid
 * PASSKEY_CHALLENGE_TTL_SECONDS and spent by one guarded UPDATE before the response is checked
 * (a failed check spends it too). The RP ID is APP_URL's host name and the only accepted origin
 * is APP_URL's origin. Resident keys are preferred and user verification is required; attestation
 * is "none" (we do not restrict authenticator models). Stored per passkey: credential id, COSE
 * public key, sign counter, transports, backup eligibility and state, a name, created and last
 * used; never a private key (the authenticator keeps it).
 *
 * Adding or removing a passkey is a change to an authentication factor: it ends the user's other
 * sessions, re-issues the current one (new id), writes its audit row in the same transaction
 * and queues a notice mail, as TOTP does (lib/mfa/enrolment.ts). Removing needs the
 * re-authentication window and an aal2 session, the guard TOTP's disable has: a password alone
 * never removes a phishing-resistant factor.
 *
 * Threats: a challenge replayed or carried to another session (single use, bound to the session),
 * a credential registered from a phishing origin (origin and RP ID checked), one credential id
 * registered to two accounts (unique). Checklist #33, #35, #44, #50.
 */
import { generateRegistrationOptions, verifyRegistrationResponse } from "@simplewebauthn/server";
import type { PublicKeyCredentialCreationOptionsJSON, RegistrationResponseJSON } from "@simplewebauthn/server";
import type { Config } from "../config";
import type { Db, Queryable } from "../db";
import { err, ok, type Result } from "../errors";
import type { Actor } from "../http/context";
import { PAGES } from "../http/pages";
import { addSeconds } from "../clock";
import { recordAuditEvent } from "../audit/audit";
import { queueMail } from "../email/mailer";
import { link, templates, type MailMessage } from "../email/templates";
import { base64url, fromBase64url, randomBytes } from "../crypto/random";
import { revokeUserSessions } from "../sessions/queries";
import { rotateSession, type IssuedSession, type SessionRecord, type SessionUser } from "../sessions/sessions";
import {
  deleteExpiredWebauthnChallenges,
  deletePasskey,
  insertPasskey,
  insertWebauthnChallenge,
  listPasskeys,
  renamePasskey,
  spendWebauthnChallenge,
  type PasskeyRecord,
} from "./passkey-queries";

/** Bytes of randomness in a challenge (WebAuthn asks for at least 16). */
const CHALLENGE_BYTES = 32;
/** Expired challenges a new ceremony deletes on its way (the table stays small without a cron). */
const CHALLENGE_SWEEP_LIMIT = 50;
/** ES256 and RS256 (EdDSA too: every current platform authenticator offers ES256). */
const SUPPORTED_ALGORITHMS = [-7, -8, -257];

export interface PasskeyChangeInput {
  readonly session: SessionRecord;
  readonly user: SessionUser;
  readonly now: Date;
  readonly actor: Actor;
}

/** What the API shows of a passkey (never the public key or the credential id). */
export interface PublicPasskey {
  readonly id: string;
  readonly name: string;
  readonly createdAt: string;
  readonly lastUsedAt: string | null;
  /** The passkey is synced by a provider (backup eligible) */
  readonly synced: boolean;
  readonly backedUp: boolean;
  readonly transports: readonly string[];
}

export function publicPasskey(p: PasskeyRecord): PublicPasskey {
  return {
    id: p.id,
    name: p.name,
    createdAt: p.createdAt.toISOString(),
    lastUsedAt: p.lastUsedAt?.toISOString() ?? null,
    synced: p.deviceType === "multiDevice",
    backedUp: p.backedUp,
    transports: p.transports,
  };
}

/** The WebAuthn user handle of an account: its uuid's bytes as UTF-8 (no personal data). */
export function userHandleOf(userId: string): Uint8Array<ArrayBuffer> {
  return new TextEncoder().encode(userId);
}

/** A fresh challenge, stored (base64url, as the response's clientDataJSON will carry it) with its binding. */
export async function newWebauthnChallenge(
  db: Queryable,
  binding: Parameters<typeof insertWebauthnChallenge>[2],
  now: Date,
  cfg: Config,
): Promise<{ challenge: Uint8Array<ArrayBuffer>; expiresAt: Date }> {
  await deleteExpiredWebauthnChallenges(db, now, CHALLENGE_SWEEP_LIMIT);
  const challenge = new Uint8Array(randomBytes(CHALLENGE_BYTES));
  const expiresAt = addSeconds(now, cfg.PASSKEY_CHALLENGE_TTL_SECONDS);
  await insertWebauthnChallenge(db, base64url(challenge), binding, now, expiresAt);
  return { challenge, expiresAt };
}

/** The challenge a response answers (from its clientDataJSON), or null if unreadable. */
export function challengeOf(clientDataJSON: string): string | null {
  const bytes = fromBase64url(clientDataJSON);
  if (!bytes) return null;
  try {
    const parsed = JSON.parse(new TextDecoder().decode(bytes)) as { challenge?: unknown };
    return typeof parsed.challenge === "string" && /^[A-Za-z0-9_-]{43}$/.test(parsed.challenge) ? parsed.challenge : null;
  } catch {
    return null;
  }
}

export async function startPasskeyRegistration(
  db: Db,
  input: PasskeyChangeInput,
  cfg: Config,
): Promise<Result<PublicKeyCredentialCreationOptionsJSON>> {
  if (!input.user.emailVerified) return err("email_not_verified");
  const existing = await listPasskeys(db, input.user.id);
  const { challenge } = await newWebauthnChallenge(
    db,
    { purpose: "registration", sessionId: input.session.id, userId: input.user.id },
    input.now,
    cfg,
  );
  const options = await generateRegistrationOptions({
    rpName: cfg.PASSKEY_RP_NAME,
    rpID: cfg.passkeyRp.id,
    userName: input.user.email,
    userID: userHandleOf(input.user.id),
    userDisplayName: input.user.email,
    challenge,
    timeout: cfg.PASSKEY_CHALLENGE_TTL_SECONDS * 1000,
    attestationType: "none",
    excludeCredentials: existing.map((p) => ({ id: p.credentialId, transports: [...p.transports] })),
    authenticatorSelection: { residentKey: "preferred", userVerification: "required" },
    supportedAlgorithmIDs: SUPPORTED_ALGORITHMS,
  });
  return ok(options);
}

export interface PasskeyAdded {
  readonly passkey: PasskeyRecord;
  readonly issued: IssuedSession;
  readonly revokedSessions: number;
}

export async function finishPasskeyRegistration(
  db: Db,
  input: PasskeyChangeInput & { response: RegistrationResponseJSON; name: string },
  cfg: Config,
): Promise<Result<PasskeyAdded>> {
  if (!input.user.emailVerified) return err("email_not_verified");
  const challenge = challengeOf(input.response.response.clientDataJSON);
  const binding = { purpose: "registration", sessionId: input.session.id, userId: input.user.id } as const;
  if (!challenge || !(await spendWebauthnChallenge(db, challenge, binding, input.now))) {
    await auditFailure(db, input, "challenge");
    return err("invalid_challenge");
  }
  let info: Awaited<ReturnType<typeof verifyRegistrationResponse>>["registrationInfo"];
  try {
    const verified = await verifyRegistrationResponse({
      response: input.response,
      expectedChallenge: challenge,
      expectedOrigin: cfg.passkeyRp.origin,
      expectedRPID: cfg.passkeyRp.id,
      requireUserVerification: true,
      supportedAlgorithmIDs: SUPPORTED_ALGORITHMS,
    });
    info = verified.verified ? verified.registrationInfo : undefined;
  } catch {
    info = undefined;
  }
  if (!info) {
    await auditFailure(db, input, "registration_response");
    return err("invalid_passkey");
  }
  const registered = info;
  return db.transaction(async (tx): Promise<Result<PasskeyAdded>> => {
    const passkey = await insertPasskey(tx, {
      userId: input.user.id,
      credentialId: registered.credential.id,
      publicKey: base64url(registered.credential.publicKey),
      signCount: registered.credential.counter,
      transports: registered.credential.transports ?? [],
      deviceType: registered.credentialDeviceType,
      backedUp: registered.credentialBackedUp,
      name: input.name,
      now: input.now,
    });
    if (!passkey) return err("passkey_already_registered");
    const changed = await endOtherSessions(tx, input, cfg);
    await recordAuditEvent(tx, {
      type: "passkey.registered",
      result: "success",
      actor: input.actor,
      actorId: input.user.id,
      targetId: input.user.id,
      sessionId: changed.issued.session.id,
      now: input.now,
      details: { passkeyId: passkey.id, synced: passkey.deviceType === "multiDevice", revokedSessions: changed.revokedSessions },
    });
    await notify(tx, templates.passkeyAdded(input.user.email, passkey.name, securityUrl(cfg)), input.now, cfg);
    return ok({ passkey, ...changed });
  });
}

export async function listUserPasskeys(db: Db, userId: string): Promise<PublicPasskey[]> {
  return (await listPasskeys(db, userId)).map(publicPasskey);
}

export async function renameUserPasskey(db: Db, input: PasskeyChangeInput & { id: string; name: string }): Promise<Result<null>> {
  return db.transaction(async (tx): Promise<Result<null>> => {
    if (!(await renamePasskey(tx, input.user.id, input.id, input.name))) return err("not_found");
    await recordAuditEvent(tx, {
      type: "passkey.renamed",
      result: "success",
      actor: input.actor,
      actorId: input.user.id,
      targetId: input.user.id,
      sessionId: input.session.id,
      now: input.now,
      details: { passkeyId: input.id },
    });
    return ok(null);
  });
}

export interface PasskeyRemoved {
  readonly issued: IssuedSession;
  readonly revokedSessions: number;
}

/** `id` null: not a passkey id at all (404, after the aal2 guard, like any id that is not the caller's). */
export async function removeUserPasskey(
  db: Db,
  input: PasskeyChangeInput & { id: string | null },
  cfg: Config,
): Promise<Result<PasskeyRemoved>> {
  if (input.session.aal !== 2) return err("mfa_required");
  const id = input.id;
  if (id === null) return err("not_found");
  return db.transaction(async (tx): Promise<Result<PasskeyRemoved>> => {
    const removed = await deletePasskey(tx, input.user.id, id);
    if (!removed) return err("not_found");
    const changed = await endOtherSessions(tx, input, cfg);
    await recordAuditEvent(tx, {
      type: "passkey.removed",
      result: "success",
      actor: input.actor,
      actorId: input.user.id,
      targetId: input.user.id,
      sessionId: changed.issued.session.id,
      now: input.now,
      details: { passkeyId: removed.id, revokedSessions: changed.revokedSessions },
    });
    await notify(tx, templates.passkeyRemoved(input.user.email, removed.name, securityUrl(cfg)), input.now, cfg);
    return ok(changed);
  });
}

async function auditFailure(db: Queryable, input: PasskeyChangeInput, reason: string): Promise<void> {
  await recordAuditEvent(db, {
    type: "passkey.failure",
    result: "failure",
    actor: input.actor,
    actorId: input.user.id,
    targetId: input.user.id,
    sessionId: input.session.id,
    now: input.now,
    details: { stage: "registration", reason },
  });
}

/** Ends every other session of the user and re-issues the caller's (checklist #33). */
async function endOtherSessions(tx: Queryable, input: PasskeyChangeInput, cfg: Config): Promise<PasskeyRemoved> {
  const revokedSessions = await revokeUserSessions(tx, input.user.id, "mfa_changed", input.now, input.session.id);
  const issued = await rotateSession(tx, input.session, { now: input.now, ip: input.actor.ip, userAgent: input.actor.userAgent }, cfg);
  return { issued, revokedSessions };
}

function securityUrl(cfg: Config): string {
  return link(cfg.APP_URL, PAGES.accountSecurity);
}

function notify(tx: Queryable, message: MailMessage, now: Date, cfg: Config): Promise<void> {
  return queueMail(tx, message, cfg.mailTransport, now);
}
