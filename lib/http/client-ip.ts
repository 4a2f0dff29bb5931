/**
 * The client IP: read only from where the deployment says a trusted party wrote it.
 *
 * Model (docs/security/client-ip.md):
 *  - on Vercel, x-vercel-forwarded-for, which the platform sets and the client cannot;
 *  - elsewhere, CLIENT_IP_HEADER names a header the reverse proxy in front of the app
 *    overwrites with the peer address (e.g. x-real-ip): exactly one address is accepted;
 *  - or CLIENT_IP_HEADER=x-forwarded-for with CLIENT_IP_PROXY_HOPS=N: the N-th entry from the
 *    right, the one the outermost of your N trusted proxies appended (entries to its left are
 *    whatever the client sent);
 *  - or CLIENT_IP_HEADER=none: no address at all (a directly exposed `next start`: Next.js 16
 *    passes the socket address to route handlers only as x-forwarded-for, and only when the
 *    client did not send that header itself, so it cannot be trusted).
 * Production outside Vercel refuses to start without an explicit choice (lib/config.ts).
 *
 * Threat: a client choosing its own address escapes per-IP limits and writes made-up IPs into
 * audit rows. Values are parsed strictly (IPv4 dotted quad, IPv6 per RFC 4291 without a zone
 * id); anything else is treated as absent, never passed to Postgres' inet. Reference: ASVS
 * V4.1.3, checklist #17.
 */

/** Where the client address comes from; built once from the configuration. */
export interface ClientIpSource {
  /** Lower-case header name, or null when no address is available (CLIENT_IP_HEADER=none). */
  readonly header: string | null;
  /** For x-forwarded-for: how many trusted proxies appended to it (the entry to take from the right). */
  readonly proxyHops: number;
  /** The platform header: its first entry is the client (Vercel overwrites the header). */
  readonly platform: boolean;
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const HEXTET = /^[0-9a-f]{1,4}$/i;

/** The 8 hextets of an IPv6 address, or null if `text` is not one (zone ids are refused). */
function parseIpv6(text: string): number[] | null {
  if (text.length > 45 || !text.includes(":")) return null;
  let head = text;
  const lastColon = text.lastIndexOf(":");
  const last = text.slice(lastColon + 1);
  if (last.includes(".")) {
    // an embedded IPv4 tail ("::ffff:1.2.3.4") is the last two hextets
    if (!IPV4.test(last)) return null;
    const [a, b, c, d] = last.split(".").map(Number) as [number, number, number, number];
    head = `${text.slice(0, lastColon + 1)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const halves = head.split("::");
  if (halves.length > 2) return null;
  const part = (s: string): number[] | null => {
    if (s === "") return [];
    const groups = s.split(":");
    if (!groups.every((g) => HEXTET.test(g))) return null;
    return groups.map((g) => parseInt(g, 16));
  };
  const left = part(halves[0]!);
  const right = halves.length === 2 ? part(halves[1]!) : [];
  if (!left || !right) return null;
  const given = left.length + right.length;
  if (halves.length === 2) {
    if (given > 7) return null;
    return [...left, ...new Array<number>(8 - given).fill(0), ...right];
  }
  return given === 8 ? left : null;
}

/** RFC 5952 text: lower case, longest run (≥ 2) of zero groups compressed. */
function formatIpv6(groups: readonly number[]): string {
  let best = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      best = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best < 0) return hex.join(":");
  return `${hex.slice(0, best).join(":")}::${hex.slice(best + bestLength).join(":")}`;
}

/**
 * One address in canonical form (IPv4 dotted quad, IPv4-mapped IPv6 as IPv4, IPv6 per
 * RFC 5952), or null if `raw` is not exactly one valid address. Brackets around IPv6 are accepted.
 */
export function parseIp(raw: string | null | undefined): string | null {
  if (!raw) return null;
  let text = raw.trim();
  if (text.startsWith("[") && text.endsWith("]")) text = text.slice(1, -1);
  if (IPV4.test(text)) return text;
  const groups = parseIpv6(text);
  if (!groups) return null;
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    return [groups[6]! >> 8, groups[6]! & 0xff, groups[7]! >> 8, groups[7]! & 0xff].join(".");
  }
  return formatIpv6(groups);
}

/**
 * The key per-IP limits count under: the address itself for IPv4, its /64 network for IPv6
 * (one subscriber usually holds a whole /64, so per-address limits would not limit anyone).
 */
export function ipLimitSubject(ip: string): string {
  if (!ip.includes(":")) return ip;
  const groups = parseIpv6(ip);
  if (!groups) return ip;
  return `${formatIpv6([...groups.slice(0, 4), 0, 0, 0, 0])}/64`;
}

/** The client's address from request headers as `source` says, or null if absent or malformed. */
export function clientIpFromHeaders(headers: Headers, source: ClientIpSource): string | null {
  if (!source.header) return null;
  const value = headers.get(source.header);
  if (!value || value.length > 1024) return null;
  const entries = value.split(",").map((e) => e.trim());
  if (source.proxyHops > 0) {
    const index = entries.length - source.proxyHops;
    return index >= 0 ? parseIp(entries[index]) : null;
  }
  if (source.platform) return parseIp(entries[0]);
  return entries.length === 1 ? parseIp(entries[0]) : null;
}

export function clientIp(request: Request, source: ClientIpSource): string | null {
  return clientIpFromHeaders(request.headers, source);
}
