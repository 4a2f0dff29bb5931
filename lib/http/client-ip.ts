/**
 * The client IP, from the one header the deployment's edge sets and the client cannot:
 * x-vercel-forwarded-for on Vercel, or CLIENT_IP_HEADER (default x-real-ip) set by your
 * reverse proxy. A raw X-Forwarded-For is never read: anyone can send one.
 * Returns null when the header is absent or not an IP address.
 */
const IPV4 = /^(\d{1,3})(\.\d{1,3}){3}$/;
const IPV6 = /^[0-9a-f:]+(%\w+)?$/i;

export function normaliseIp(raw: string | null): string | null {
  if (!raw) return null;
  const first = raw.split(",")[0]!.trim();
  const unbracketed = first.startsWith("[") ? first.slice(1, first.indexOf("]")) : first;
  const v4mapped = unbracketed.replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/i, "$1");
  if (IPV4.test(v4mapped) && v4mapped.split(".").every((n) => Number(n) <= 255)) return v4mapped;
  if (IPV6.test(v4mapped) && v4mapped.includes(":")) return v4mapped.toLowerCase();
  return null;
}

export function clientIp(request: Request, header: string): string | null {
  return normaliseIp(request.headers.get(header));
}
