/**
 * CSRF defence for state-changing routes (checklist #61): the Origin header must be one of the
 * configured origins; without Origin, Sec-Fetch-Site must be same-origin; a request with
 * neither header is refused when it carries cookies (a browser always sends one of them, a
 * server-to-server client sends no cookie). SameSite=Lax on the cookie is defence in depth.
 */
export function isAllowedOrigin(request: Request, origins: readonly string[]): boolean {
  const origin = request.headers.get("origin");
  if (origin !== null) return origins.includes(origin);
  const site = request.headers.get("sec-fetch-site");
  if (site !== null) return site === "same-origin";
  return !request.headers.has("cookie");
}
