/**
 * Cookies. Over HTTPS the session cookie is `__Host-` prefixed (so it is Secure, has Path=/ and
 * no Domain: no subdomain can set or read it), HttpOnly and SameSite=Lax. Plain-HTTP
 * development drops the prefix and Secure, which browsers would otherwise refuse.
 */
export interface CookieOptions {
  readonly maxAgeSeconds: number;
  readonly secure: boolean;
  readonly sameSite?: "Lax" | "Strict";
}

export function cookieName(base: string, secure: boolean): string {
  return secure ? `__Host-${base}` : base;
}

export function serializeCookie(name: string, value: string, options: CookieOptions): string {
  const parts = [
    `${name}=${value}`,
    "Path=/",
    `Max-Age=${Math.max(0, Math.floor(options.maxAgeSeconds))}`,
    "HttpOnly",
    `SameSite=${options.sameSite ?? "Lax"}`,
  ];
  if (options.secure) parts.push("Secure");
  return parts.join("; ");
}

export function clearCookie(name: string, secure: boolean): string {
  return serializeCookie(name, "", { maxAgeSeconds: 0, secure });
}

export function readCookie(request: Request, name: string): string | null {
  const header = request.headers.get("cookie");
  if (!header) return null;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}
