/**
 * Everything a new password must pass, in order of cost: shape (length, context words),
 * the common-password list, the password history (for an existing account), then the
 * breached-password range check. Used by registration, password change and reset.
 */
import type { Config } from "../config";
import type { Queryable } from "../db";
import { err, ok, type ErrorCode, type Result } from "../errors";
import type { Actor } from "../http/context";
import { recordAuditEvent } from "../audit/audit";
import { checkPasswordShape } from "./policy";
import { isCommonPassword } from "./blocklist";
import { checkBreached } from "./breached";
import { verifyPassword } from "./hasher";
import { listRecentPasswordHashes } from "../users/queries";

export interface NewPasswordContext {
  readonly email: string;
  readonly userId: string | null;
  readonly actor: Actor;
  readonly now: Date;
}

export function shapeOf(password: string, email: string, cfg: Config) {
  return checkPasswordShape(password, {
    email,
    minLength: cfg.PASSWORD_MIN_LENGTH,
    maxLength: cfg.PASSWORD_MAX_LENGTH,
    productName: cfg.PORTCULLIS_PRODUCT_NAME,
  });
}

export async function checkNewPassword(
  q: Queryable,
  password: string,
  ctx: NewPasswordContext,
  cfg: Config,
): Promise<Result<void, ErrorCode>> {
  const shape = shapeOf(password, ctx.email, cfg);
  if (!shape.ok) return shape;
  if (isCommonPassword(password)) return err("password_common");
  if (ctx.userId && cfg.PASSWORD_HISTORY_COUNT > 0) {
    for (const hash of await listRecentPasswordHashes(q, ctx.userId, cfg.PASSWORD_HISTORY_COUNT)) {
      if (await verifyPassword(password, hash)) return err("password_reused");
    }
  }
  if (cfg.BREACHED_PASSWORD_API_URL) {
    const verdict = await checkBreached(password, cfg.BREACHED_PASSWORD_API_URL, cfg.BREACHED_PASSWORD_TIMEOUT_MS);
    if (verdict === "breached") return err("password_breached");
    if (verdict === "unavailable") {
      await recordAuditEvent(q, {
        type: "breach_check.unavailable",
        result: "failure",
        actor: ctx.actor,
        targetId: ctx.userId,
        now: ctx.now,
        details: { failMode: cfg.BREACHED_PASSWORD_FAIL_MODE },
      });
      if (cfg.BREACHED_PASSWORD_FAIL_MODE === "closed") return err("breach_check_unavailable");
    }
  }
  return ok(undefined);
}
