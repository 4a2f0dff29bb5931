/**
 * A software WebAuthn authenticator for HTTP tests: an ES256 (P-256) key pair per passkey,
 * "none" attestation, and assertions signed over authenticatorData || SHA-256(clientDataJSON)
 * (WebAuthn Level 3 §6.1, §7.1, §7.2). Everything a browser and an authenticator would put in
 * a response is a parameter, so tests can build the negative cases: another origin or RP ID,
 * another user's handle, a lowered counter, a signature by the wrong key.
 */
import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from "node:crypto";

const FLAG_UP = 0x01;
const FLAG_UV = 0x04;
const FLAG_AT = 0x40;

/** Minimal CBOR (RFC 8949) for maps of ints, text and bytes: what attestation objects and COSE keys need. */
type Cbor = number | string | Uint8Array | Map<Cbor, Cbor>;

function head(major: number, n: number): Buffer {
  if (n < 24) return Buffer.from([(major << 5) | n]);
  if (n < 0x100) return Buffer.from([(major << 5) | 24, n]);
  if (n < 0x10000) return Buffer.from([(major << 5) | 25, n >> 8, n & 0xff]);
  const b = Buffer.alloc(5);
  b[0] = (major << 5) | 26;
  b.writeUInt32BE(n, 1);
  return b;
}

export function cbor(value: Cbor): Buffer {
  if (typeof value === "number") return value >= 0 ? head(0, value) : head(1, -1 - value);
  if (typeof value === "string") {
    const bytes = Buffer.from(value, "utf8");
    return Buffer.concat([head(3, bytes.length), bytes]);
  }
  if (value instanceof Uint8Array) return Buffer.concat([head(2, value.length), Buffer.from(value)]);
  const parts = [head(5, value.size)];
  for (const [k, v] of value) parts.push(cbor(k), cbor(v));
  return Buffer.concat(parts);
}

const b64u = (b: Uint8Array | string) => Buffer.from(b).toString("base64url");
const sha256 = (b: Uint8Array | string) => createHash("sha256").update(b).digest();

export interface SoftPasskey {
  readonly credentialId: Buffer;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  /** The user handle the server gave at registration (base64url). */
  userHandle: string;
  counter: number;
}

export function newSoftPasskey(): SoftPasskey {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  return { credentialId: randomBytes(32), privateKey, publicKey, userHandle: "", counter: 0 };
}

function coseKey(publicKey: KeyObject): Buffer {
  const jwk = publicKey.export({ format: "jwk" });
  return cbor(
    new Map<Cbor, Cbor>([
      [1, 2], // kty: EC2
      [3, -7], // alg: ES256
      [-1, 1], // crv: P-256
      [-2, Buffer.from(jwk.x!, "base64url")],
      [-3, Buffer.from(jwk.y!, "base64url")],
    ]),
  );
}

export interface CeremonyOptions {
  readonly origin: string;
  readonly rpId: string;
  /** Default true: the authenticator verified the user. */
  readonly userVerified?: boolean;
}

/** The JSON a browser posts after navigator.credentials.create() (PublicKeyCredential.toJSON()). */
export function registrationResponse(passkey: SoftPasskey, options: { challenge: string; userId: string } & CeremonyOptions) {
  passkey.userHandle = options.userId;
  const flags = FLAG_UP | FLAG_AT | (options.userVerified === false ? 0 : FLAG_UV);
  const counter = Buffer.alloc(4);
  counter.writeUInt32BE(passkey.counter);
  const idLength = Buffer.alloc(2);
  idLength.writeUInt16BE(passkey.credentialId.length);
  const authData = Buffer.concat([
    sha256(options.rpId),
    Buffer.from([flags]),
    counter,
    Buffer.alloc(16), // AAGUID: none
    idLength,
    passkey.credentialId,
    coseKey(passkey.publicKey),
  ]);
  const clientData = JSON.stringify({ type: "webauthn.create", challenge: options.challenge, origin: options.origin, crossOrigin: false });
  const attestationObject = cbor(
    new Map<Cbor, Cbor>([
      ["fmt", "none"],
      ["attStmt", new Map()],
      ["authData", authData],
    ]),
  );
  return {
    id: b64u(passkey.credentialId),
    rawId: b64u(passkey.credentialId),
    type: "public-key",
    authenticatorAttachment: "platform",
    clientExtensionResults: {},
    response: { clientDataJSON: b64u(clientData), attestationObject: b64u(attestationObject), transports: ["internal"] },
  };
}

/** The JSON a browser posts after navigator.credentials.get(); `counter` defaults to the next one. */
export function authenticationResponse(
  passkey: SoftPasskey,
  options: { challenge: string; counter?: number; userHandle?: string; signingKey?: KeyObject } & CeremonyOptions,
) {
  const next = options.counter ?? passkey.counter + 1;
  passkey.counter = next;
  const counter = Buffer.alloc(4);
  counter.writeUInt32BE(next);
  const flags = FLAG_UP | (options.userVerified === false ? 0 : FLAG_UV);
  const authData = Buffer.concat([sha256(options.rpId), Buffer.from([flags]), counter]);
  const clientData = JSON.stringify({ type: "webauthn.get", challenge: options.challenge, origin: options.origin, crossOrigin: false });
  const signature = sign("sha256", Buffer.concat([authData, sha256(clientData)]), options.signingKey ?? passkey.privateKey);
  return {
    id: b64u(passkey.credentialId),
    rawId: b64u(passkey.credentialId),
    type: "public-key",
    authenticatorAttachment: "platform",
    clientExtensionResults: {},
    response: {
      clientDataJSON: b64u(clientData),
      authenticatorData: b64u(authData),
      signature: b64u(signature),
      userHandle: options.userHandle ?? passkey.userHandle,
    },
  };
}
