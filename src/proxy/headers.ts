/**
 * Header rewriting at the switch (RFC 9110 §7.6.1). Hop-by-hop headers
 * describe one connection and must not cross the proxy: the fixed list below plus
 * every header the sender named in its `Connection` header. The switch adds
 * X-Forwarded-For, X-Forwarded-Proto and X-Forwarded-Host.
 *
 * Headers travel as node's flat raw lists ([name, value, name, value, …]): names
 * keep their case, repeated headers stay separate, and the parsed `headers`
 * object node would build lazily is never needed on the hot path.
 */
import type { BlockList } from 'node:net';

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/** Extra names a sender listed in its Connection header(s); undefined when none. */
function namedInConnection(raw: readonly string[]): Set<string> | undefined {
  let named: Set<string> | undefined;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    if ((raw[i] as string).toLowerCase() !== 'connection') continue;
    const value = raw[i + 1] as string;
    // The usual single token (keep-alive, close, upgrade) names nothing extra.
    const tokens = value.includes(',') ? value.split(',') : [value];
    for (const token of tokens) {
      const name = token.trim().toLowerCase();
      if (name === '' || name === 'close' || HOP_BY_HOP.has(name)) continue;
      (named ??= new Set()).add(name);
    }
  }
  return named;
}

/** End-to-end headers of a raw list (a new flat list). */
export function endToEnd(raw: readonly string[]): string[] {
  const named = namedInConnection(raw);
  const out: string[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = (raw[i] as string).toLowerCase();
    if (HOP_BY_HOP.has(name) || (named !== undefined && named.has(name))) continue;
    out.push(raw[i] as string, raw[i + 1] as string);
  }
  return out;
}

/**
 * Request headers for the upstream: end-to-end headers plus X-Forwarded-*. With
 * `upgrade` set, the `Connection: upgrade` / `Upgrade` pair is kept, because the
 * upstream answers a WebSocket handshake itself.
 *
 * X-Forwarded-* and Forwarded are only believed from a `trusted` sender (a proxy
 * in front that saw the real client): its X-Forwarded-For is appended to and its
 * scheme and host kept. From anyone else they are dropped and rewritten from what
 * the switch saw itself, or any client could pick the address the upstream logs
 * and rate-limits by.
 */
export function upstreamRequestHeaders(
  raw: readonly string[],
  clientAddress: string | undefined,
  encrypted: boolean,
  upgrade = false,
  trusted = false,
): string[] {
  const named = namedInConnection(raw);
  const out: string[] = [];
  let forwardedFor = '';
  let host: string | undefined;
  let hasProto = false;
  let hasHost = false;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const rawName = raw[i] as string;
    const value = raw[i + 1] as string;
    const first = rawName.charCodeAt(0) | 0x20;
    // Cheap pre-check: only names starting with x/f can be forwarding headers.
    if (first === 0x78 || first === 0x66) {
      const name = rawName.toLowerCase();
      if (name.startsWith('x-forwarded-') || name === 'forwarded') {
        if (!trusted) continue;
        if (name === 'x-forwarded-for') {
          if (value !== '') forwardedFor = forwardedFor === '' ? value : `${forwardedFor}, ${value}`;
          continue;
        }
        if (name === 'x-forwarded-proto') hasProto = true;
        else if (name === 'x-forwarded-host') hasHost = true;
        out.push(rawName, value);
        continue;
      }
    }
    const name = rawName.toLowerCase();
    if (upgrade && name === 'upgrade') {
      out.push(rawName, value);
      continue;
    }
    if (HOP_BY_HOP.has(name) || (named !== undefined && named.has(name))) continue;
    if (name === 'host') host = value;
    out.push(rawName, value);
  }
  const client = clientAddress ?? 'unknown';
  out.push('X-Forwarded-For', forwardedFor === '' ? client : `${forwardedFor}, ${client}`);
  if (!hasProto) out.push('X-Forwarded-Proto', encrypted ? 'https' : 'http');
  if (!hasHost && host !== undefined) out.push('X-Forwarded-Host', host);
  if (upgrade) out.push('Connection', 'upgrade');
  return out;
}

/** Whether the sender's forwarding headers are believed (see `upstreamRequestHeaders`). */
export function isTrusted(trusted: BlockList | undefined, address: string | undefined): boolean {
  if (trusted === undefined || address === undefined) return false;
  if (address.startsWith('::ffff:') && trusted.check(address.slice(7), 'ipv4')) return true;
  return trusted.check(address, address.includes(':') ? 'ipv6' : 'ipv4');
}
