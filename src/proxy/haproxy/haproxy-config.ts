/**
 * The haproxy.cfg Rewind writes for one service's front door. Release servers
 * are not in it: they are added, weighted and removed through the runtime API
 * (no reload, no dropped connection), so the file only changes when the router
 * is created. Every request is logged in one raw line, `<server> <status>
 * <total ms> <accepted at, epoch ms>`, into a ring whose forwarder streams it to
 * Rewind over TCP: the per-request telemetry (log-receiver.ts). The ring also
 * keeps the last lines for a controller that starts later (`show events`).
 */
import { USERS_LOG_FORMAT, usersFrontendLines } from './haproxy-users.js';
import type { HaproxyUsersInput } from './haproxy-users.js';

export interface HaproxyConfigInput {
  /** the front door */
  host: string;
  port: number;
  /**
   * the listening socket is inherited as file descriptor 3 from HAProxy's supervisor, which
   * keeps it open across HAProxy's restarts (connections wait instead of being refused); default bound by HAProxy
   */
  inheritedSocket?: boolean;
  /** unix socket of the runtime API (admin level) */
  adminSocket: string;
  /** TCP port on 127.0.0.1 that receives the request log */
  logPort: number;
  connectTimeoutMs: number;
  /** `timeout server`: an answer that does not start within it is a 504 */
  upstreamTimeoutMs: number;
  clientKeepAliveTimeoutMs: number;
  /** addresses or CIDR blocks whose X-Forwarded-For is kept */
  trustForwardedFrom: string[];
  /** count users and features (haproxy-users.ts); default not */
  users?: Omit<HaproxyUsersInput, 'trusted'>;
}

export const BACKEND = 'releases';
/** the file descriptor HAProxy's supervisor hands the listening socket on */
export const INHERITED_FD = 3;
/** where the servers put back from weights.json by the supervisor begin in haproxy.cfg (the router writes the lines above it) */
export const SAVED_SERVERS_MARK =
  '  # servers put back by the supervisor from weights.json; the runtime API changes them';
/** the process variable that makes an HAProxy being replaced close each client connection after its next answer */
export const RETIRING_VAR = 'retiring';
/** the ring the request log goes through (and that `show events` dumps) */
export const LOG_RING = 'requests';

/**
 * Settings of every release server. A refused connection marks a server down
 * at once; a connect check every 200 ms brings it back. Servers added over the
 * runtime API get no idle-connection pool unless asked (`pool-max-conn` is 0
 * for them), which made HAProxy open a new upstream connection per request and
 * cost two thirds of its throughput; idle connections are kept below the
 * upstream's own keep-alive timeout (Node's is 5 s).
 */
export const SERVER_SETTINGS =
  'check inter 200 fall 1 rise 1 observe layer4 error-limit 1 on-error mark-down pool-max-conn -1 pool-purge-delay 2s';

/** Attempts of one request after the first: two for each of up to four instances of a dying release. */
const RETRIES = 8;

/** Bytes of the ring that holds log lines not yet read: ~100 000 lines, seconds of peak load. */
const LOG_RING_BYTES = 4 * 1024 * 1024;

export interface DesiredServer {
  revision: number;
  upstream: { host: string; port: number };
  backup: boolean;
}

/**
 * The servers HAProxy should have, by name: `r<revision>-<n>` for every
 * instance of every release, and `b<revision>-<n>` backups for the warm
 * previous release (weight 0 and older than every weighted one; a newer one at
 * weight 0 is what traffic was just taken from, usually because it is bad).
 */
export function desiredServers(
  releases: ReadonlyMap<number, readonly { host: string; port: number }[]>,
  weights: Readonly<Record<number, number>>,
): Map<string, DesiredServer> {
  const weighted = [...releases.keys()].filter((revision) => (weights[revision] ?? 0) > 0);
  const oldestWeighted = weighted.length === 0 ? -1 : Math.min(...weighted);
  const wanted = new Map<string, DesiredServer>();
  for (const [revision, upstreams] of releases) {
    const warm = (weights[revision] ?? 0) <= 0 && revision < oldestWeighted;
    upstreams.forEach((upstream, i) => {
      wanted.set(`r${revision}-${i}`, { revision, upstream, backup: false });
      if (warm) wanted.set(`b${revision}-${i}`, { revision, upstream, backup: true });
    });
  }
  return wanted;
}

export function haproxyConfig(input: HaproxyConfigInput): string {
  const trusted = input.trustForwardedFrom.length > 0 ? input.trustForwardedFrom.join(' ') : '';
  return `# written by Rewind: the front door of one service; servers come and go over the runtime API
global
  stats socket ${input.adminSocket} mode 600 level admin
  stats timeout 1m
  log ring@${LOG_RING} local0
  nbthread 1
  # a second HAProxy on the same port fails loudly instead of sharing it (and half the traffic)
  noreuseport

ring ${LOG_RING}
  format raw
  maxlen 128
  size ${LOG_RING_BYTES}
  timeout connect 2s
  timeout server 1h
  server rewind 127.0.0.1:${input.logPort} log-proto legacy

defaults
  mode http
  log global
  log-format "${input.users === undefined ? '%s %ST %Ta %Ts%ms' : USERS_LOG_FORMAT}"
  option dontlognull
  timeout connect ${input.connectTimeoutMs}ms
  timeout client 60s
  timeout server ${input.upstreamTimeoutMs}ms
  timeout http-keep-alive ${input.clientKeepAliveTimeoutMs}ms
  timeout http-request 30s

frontend front
  bind ${input.inheritedSocket === true ? `fd@${INHERITED_FD}` : `${input.host}:${input.port}`}
${
  trusted === ''
    ? '  # nobody is trusted: what a client claims about itself is replaced\n'
    : `  acl trusted_proxy src ${trusted}\n`
}  http-request del-header forwarded${trusted === '' ? '' : ' unless trusted_proxy'}
  http-request del-header x-forwarded-proto${trusted === '' ? '' : ' unless trusted_proxy'}
  http-request del-header x-forwarded-host${trusted === '' ? '' : ' unless trusted_proxy'}
  http-request del-header x-forwarded-for${trusted === '' ? '' : ' unless trusted_proxy'}
  http-request set-header x-forwarded-proto http unless { req.hdr(x-forwarded-proto) -m found }
  http-request set-header x-forwarded-host %[req.hdr(host)] unless { req.hdr(x-forwarded-host) -m found }
${input.users === undefined ? '' : usersFrontendLines({ ...input.users, trusted: trusted !== '' })}  option forwardfor
  # set over the runtime API on an HAProxy being replaced: each client closes its connection after
  # its next answer (never HAProxy closing an idle one just as a request leaves on it)
  http-after-response set-header connection close if { var(proc.${RETIRING_VAR}) -m found }
  default_backend ${BACKEND}

backend ${BACKEND}
  balance roundrobin
  # A refused or reset attempt is sent once more to another server; requests
  # that are not idempotent only when the connection never opened. Each
  # instance of a dying release can cost two attempts (an empty answer as it
  # dies, a refused connection before its check marks it down), and the warm
  # release's backups take over only after that; a kept-alive GET that runs
  # out of attempts is closed with no answer at all (HAProxy leaves the retry
  # to the client), so there are enough for four instances.
  retries ${RETRIES}
  option redispatch 1
  retry-on conn-failure empty-response
  acl idempotent method GET HEAD OPTIONS TRACE PUT DELETE
  http-request disable-l7-retry unless idempotent
`;
}
