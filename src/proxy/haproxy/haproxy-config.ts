/**
 * The haproxy.cfg Rewind writes for one service's front door. Release servers
 * are not in it: they are added, weighted and removed through the runtime API
 * (no reload, no dropped connection), so the file only changes when the router
 * is created. Every request is logged in one raw line to Rewind's UDP socket:
 * `<server> <status> <total ms> <retries>` — the per-request telemetry.
 */

export interface HaproxyConfigInput {
  /** the front door */
  host: string;
  port: number;
  /** unix socket of the runtime API (admin level) */
  adminSocket: string;
  /** UDP port on 127.0.0.1 that receives the request log */
  logPort: number;
  connectTimeoutMs: number;
  /** `timeout server`: an answer that does not start within it is a 504 */
  upstreamTimeoutMs: number;
  clientKeepAliveTimeoutMs: number;
  /** addresses or CIDR blocks whose X-Forwarded-For is kept */
  trustForwardedFrom: string[];
}

export const BACKEND = 'releases';

export function haproxyConfig(input: HaproxyConfigInput): string {
  const trusted = input.trustForwardedFrom.length > 0 ? input.trustForwardedFrom.join(' ') : '';
  return `# written by Rewind: the front door of one service; servers come and go over the runtime API
global
  stats socket ${input.adminSocket} mode 600 level admin
  stats timeout 1m
  log 127.0.0.1:${input.logPort} len 512 format raw local0
  nbthread 1

defaults
  mode http
  log global
  log-format "%s %ST %Ta %rc"
  option dontlognull
  timeout connect ${input.connectTimeoutMs}ms
  timeout client 60s
  timeout server ${input.upstreamTimeoutMs}ms
  timeout http-keep-alive ${input.clientKeepAliveTimeoutMs}ms
  timeout http-request 30s

frontend front
  bind ${input.host}:${input.port}
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
  option forwardfor
  default_backend ${BACKEND}

backend ${BACKEND}
  balance roundrobin
  # A refused or reset attempt is sent once more to another server; requests
  # that are not idempotent only when the connection never opened.
  retries 3
  option redispatch 1
  retry-on conn-failure empty-response
  acl idempotent method GET HEAD OPTIONS TRACE PUT DELETE
  http-request disable-l7-retry unless idempotent
`;
}
