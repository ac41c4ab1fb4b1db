/**
 * Header rewriting at the switch (issue 3 §3; RFC 9110 §7.6.1). Hop-by-hop headers
 * describe one connection and must not cross the proxy: the fixed list below plus
 * every header the sender named in its `Connection` header. The switch adds
 * X-Forwarded-For (appended to what a proxy in front already sent),
 * X-Forwarded-Proto and X-Forwarded-Host (kept when a proxy in front set them,
 * since that proxy saw the client's real scheme and host).
 */
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';

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

/** Headers named in a Connection header, lowercased; empty for the usual values. */
function namedInConnection(connection: string | undefined): Set<string> | undefined {
  if (connection === undefined) return undefined;
  let named: Set<string> | undefined;
  for (const token of connection.split(',')) {
    const name = token.trim().toLowerCase();
    // keep-alive/close/upgrade are already hop-by-hop: no need for a set.
    if (name === '' || HOP_BY_HOP.has(name) || name === 'close') continue;
    (named ??= new Set()).add(name);
  }
  return named;
}

/** A copy of `headers` without hop-by-hop headers. */
export function endToEnd(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const named = namedInConnection(headers.connection);
  const out: OutgoingHttpHeaders = {};
  for (const name in headers) {
    if (HOP_BY_HOP.has(name) || (named !== undefined && named.has(name))) continue;
    out[name] = headers[name];
  }
  return out;
}

/** Request headers for the upstream: end-to-end headers plus X-Forwarded-*. */
export function upstreamRequestHeaders(headers: IncomingHttpHeaders, clientAddress: string | undefined, encrypted: boolean): OutgoingHttpHeaders {
  const out = endToEnd(headers);
  const client = clientAddress ?? 'unknown';
  const prior = headers['x-forwarded-for'];
  out['x-forwarded-for'] = prior === undefined || prior === '' ? client : `${prior}, ${client}`;
  if (headers['x-forwarded-proto'] === undefined) out['x-forwarded-proto'] = encrypted ? 'https' : 'http';
  if (headers['x-forwarded-host'] === undefined && headers.host !== undefined) out['x-forwarded-host'] = headers.host;
  return out;
}

/**
 * Request headers for a protocol upgrade (WebSocket): as above, but the
 * `Connection: upgrade` and `Upgrade` pair must reach the upstream, which answers
 * the handshake itself.
 */
export function upgradeRequestHeaders(headers: IncomingHttpHeaders, clientAddress: string | undefined, encrypted: boolean): OutgoingHttpHeaders {
  const out = upstreamRequestHeaders(headers, clientAddress, encrypted);
  out.connection = 'upgrade';
  if (headers.upgrade !== undefined) out.upgrade = headers.upgrade;
  return out;
}
