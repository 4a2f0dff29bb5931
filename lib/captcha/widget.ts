/**
 * Whether the CAPTCHA is on, and what the pages and the page CSP need for its widget. Kept apart
 * from the check itself (lib/captcha/captcha.ts) so that proxy.ts imports nothing but this.
 */
import type { Config } from "../config";
import type { SiteverifySettings } from "./siteverify";

/** What the pages need to show the widget (all public), or null when the CAPTCHA is off. */
export interface CaptchaWidget {
  readonly siteKey: string;
  readonly scriptUrl: string;
}

export type CaptchaConfig = Pick<
  Config,
  | "CAPTCHA_SITEVERIFY_URL"
  | "CAPTCHA_SECRET"
  | "CAPTCHA_SITE_KEY"
  | "CAPTCHA_SCRIPT_URL"
  | "CAPTCHA_CSP_SOURCES"
  | "CAPTCHA_FAIL_OPEN"
  | "CAPTCHA_TIMEOUT_MS"
  | "CAPTCHA_SIGN_IN_AFTER_FAILURES"
  | "IP_LOGIN_WINDOW_SECONDS"
>;

export function siteverifySettings(cfg: CaptchaConfig): SiteverifySettings | null {
  if (!cfg.CAPTCHA_SITEVERIFY_URL || !cfg.CAPTCHA_SECRET) return null;
  return { url: cfg.CAPTCHA_SITEVERIFY_URL, secret: cfg.CAPTCHA_SECRET, timeoutMs: cfg.CAPTCHA_TIMEOUT_MS };
}

export function captchaWidget(cfg: CaptchaConfig): CaptchaWidget | null {
  if (!siteverifySettings(cfg) || !cfg.CAPTCHA_SITE_KEY || !cfg.CAPTCHA_SCRIPT_URL) return null;
  return { siteKey: cfg.CAPTCHA_SITE_KEY, scriptUrl: cfg.CAPTCHA_SCRIPT_URL };
}

/** Origins the page CSP must allow for the widget: none while the CAPTCHA is off. */
export function captchaCspSources(cfg: CaptchaConfig): readonly string[] {
  const widget = captchaWidget(cfg);
  if (!widget) return [];
  return cfg.CAPTCHA_CSP_SOURCES.length > 0 ? cfg.CAPTCHA_CSP_SOURCES : [new URL(widget.scriptUrl).origin];
}
