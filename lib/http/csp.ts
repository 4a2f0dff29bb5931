/**
 * The pages' Content-Security-Policy (proxy.ts sets it per request): scripts only from this
 * origin or carrying the request's nonce ('strict-dynamic' lets those load their own), no
 * inline styles, no plugins, no framing of us. `extraSources` are the CAPTCHA widget's origins
 * (lib/captcha/widget.ts captchaCspSources): added to script-src, frame-src and connect-src
 * only while the CAPTCHA is on, so a deployment without it allows no third-party origin at all.
 */
export function pageContentSecurityPolicy(nonce: string, extraSources: readonly string[] = []): string {
  const extra = extraSources.length > 0 ? ` ${extraSources.join(" ")}` : "";
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${extra}`,
    "style-src 'self'",
    "img-src 'self' data:",
    ...(extra ? [`frame-src 'self'${extra}`, `connect-src 'self'${extra}`] : []),
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
}
