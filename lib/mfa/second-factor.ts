/**
 * Verifies a second-factor code (TOTP or backup code) for a user. Owned by the MFA work
 * (issue 6), which replaces this body; until a factor can be enrolled nothing reaches it.
 */
import type { Config } from "../config";
import type { Db } from "../db";
import { err, type Result } from "../errors";
import type { Actor } from "../http/context";

export interface SecondFactorInput {
  readonly userId: string;
  readonly code: string;
  readonly now: Date;
  readonly actor: Actor;
}

export async function verifySecondFactor(_db: Db, _input: SecondFactorInput, _cfg: Config): Promise<Result<{ method: "totp" | "backup_code" }>> {
  return err("invalid_mfa_code");
}
