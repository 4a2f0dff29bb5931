"use client";
/**
 * The CAPTCHA widget (docs/security/captcha.md). Turnstile and hCaptcha both put an object on
 * window (turnstile / hcaptcha) once their script has loaded, with the same explicit API:
 * render(container, { sitekey, callback, "expired-callback", "error-callback" }) -> id, and
 * reset(id). The page loads the script with the CSP nonce (CaptchaScript); the form sends the
 * token as captchaToken and calls used() after each request, since a token is single-use.
 * Whether a token is needed and whether it passed is the API's answer, never the page's.
 */
import { useCallback, useEffect, useRef, useState, type ReactNode } from "react";

interface WidgetApi {
  render(container: HTMLElement, options: Record<string, unknown>): string | number | undefined;
  reset(id?: string | number): void;
  remove?(id: string | number): void;
}

const POLL_MS = 100;
const LOAD_TIMEOUT_MS = 15_000;

function widgetApi(): WidgetApi | null {
  const w = window as unknown as { turnstile?: WidgetApi; hcaptcha?: WidgetApi };
  return w.turnstile ?? w.hcaptcha ?? null;
}

function Widget({ siteKey, onToken, generation }: { siteKey: string; onToken: (token: string | null) => void; generation: number }) {
  const container = useRef<HTMLDivElement>(null);
  const widgetId = useRef<string | number | undefined>(undefined);
  const [failed, setFailed] = useState(false);

  useEffect(() => {
    const started = Date.now();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const mount = () => {
      const api = widgetApi();
      if (api && container.current) {
        widgetId.current = api.render(container.current, {
          sitekey: siteKey,
          callback: (token: string) => onToken(token),
          "expired-callback": () => onToken(null),
          "error-callback": () => onToken(null),
        });
        return;
      }
      if (Date.now() - started > LOAD_TIMEOUT_MS) return setFailed(true);
      timer = setTimeout(mount, POLL_MS);
    };
    mount();
    return () => {
      clearTimeout(timer);
      const id = widgetId.current;
      if (id !== undefined) widgetApi()?.remove?.(id);
      widgetId.current = undefined;
    };
  }, [siteKey, onToken]);

  useEffect(() => {
    if (generation === 0 || widgetId.current === undefined) return;
    widgetApi()?.reset(widgetId.current);
    onToken(null);
  }, [generation, onToken]);

  return (
    <div className="field captcha">
      <div ref={container} />
      {failed && (
        <span className="field-error" role="alert">
          The security check could not load. Check your connection and reload the page.
        </span>
      )}
    </div>
  );
}

export interface CaptchaState {
  /** The widget's current token, to send as captchaToken (null until solved, and after used()). */
  readonly token: string | null;
  /** The widget to put in the form; null when the CAPTCHA is off or not shown. */
  readonly widget: ReactNode;
  /** Call after each request that sent the token: the widget issues a fresh one. */
  used(): void;
}

/** siteKey null: the CAPTCHA is off. shown false: keep the widget out until the API asks for it (sign-in). */
export function useCaptcha(siteKey: string | null, shown = true): CaptchaState {
  const [token, setToken] = useState<string | null>(null);
  const [generation, setGeneration] = useState(0);
  const onToken = useCallback((value: string | null) => setToken(value), []);
  const used = useCallback(() => setGeneration((g) => g + 1), []);
  const widget = siteKey && shown ? <Widget siteKey={siteKey} onToken={onToken} generation={generation} /> : null;
  return { token: siteKey && shown ? token : null, widget, used };
}
