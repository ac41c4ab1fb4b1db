/**
 * Header rewriting at the switch (issue 3 §3; RFC 9110 §7.6.1). Hop-by-hop headers
 * describe one connection and must not cross the proxy: the fixed list below plus
 * every header the sender named in its `Connection` header. The switch adds
 * X-Forwarded-For (appended to what a proxy in front already sent),
 * X-Forwarded-Proto and X-Forwarded-Host (kept when a proxy in front set them,
 * since that proxy saw the client's real scheme and host).
 *
 * Headers travel as node's flat raw lists ([name, value, name, value, …]): names
 * keep their case, repeated headers stay separate, and the parsed `headers`
 * object node would build lazily is never needed on the hot path.
 */
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
 */
export function upstreamRequestHeaders(
  raw: readonly string[],
  clientAddress: string | undefined,
  encrypted: boolean,
  upgrade = false,
): string[] {
  const named = namedInConnection(raw);
  const out: string[] = [];
  let forwardedFor = '';
  let host: string | undefined;
  let hasProto = false;
  let hasHost = false;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = (raw[i] as string).toLowerCase();
    const value = raw[i + 1] as string;
    if (name === 'x-forwarded-for') {
      if (value !== '') forwardedFor = forwardedFor === '' ? value : `${forwardedFor}, ${value}`;
      continue;
    }
    if (upgrade && name === 'upgrade') {
      out.push(raw[i] as string, value);
      continue;
    }
    if (HOP_BY_HOP.has(name) || (named !== undefined && named.has(name))) continue;
    if (name === 'host') host = value;
    else if (name === 'x-forwarded-proto') hasProto = true;
    else if (name === 'x-forwarded-host') hasHost = true;
    out.push(raw[i] as string, value);
  }
  const client = clientAddress ?? 'unknown';
  out.push('X-Forwarded-For', forwardedFor === '' ? client : `${forwardedFor}, ${client}`);
  if (!hasProto) out.push('X-Forwarded-Proto', encrypted ? 'https' : 'http');
  if (!hasHost && host !== undefined) out.push('X-Forwarded-Host', host);
  if (upgrade) out.push('Connection', 'upgrade');
  return out;
}
