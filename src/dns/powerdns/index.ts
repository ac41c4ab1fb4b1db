import type { DnsCallOptions, DnsProvider, DnsRecordSet } from '../../core/ports/dns.js';
import { canonicalName, parseServer, queryAuthoritative } from '../wire.js';

export interface PowerDnsOptions {
  name: string;
  /** the API's base URL, e.g. http://127.0.0.1:8081 */
  url: string;
  apiKey: string;
  /** default localhost, as PowerDNS names its one server */
  serverId?: string;
  zone: string;
  /** host:port PowerDNS answers DNS on, for verifying; default the API's host on port 53 */
  server?: string;
  /** per request; default 10 s */
  timeoutMs?: number;
}

const absolute = (name: string): string => `${canonicalName(name)}.`;

/**
 * PowerDNS's HTTP API: one PATCH of the zone's rrsets with changetype REPLACE (or
 * DELETE for a name a site does not serve), which PowerDNS applies in one
 * transaction. Verification asks PowerDNS's own DNS port, not the API.
 */
export function createPowerDnsProvider(options: PowerDnsOptions): DnsProvider {
  const base = options.url.replace(/\/+$/, '');
  const zoneUrl = `${base}/api/v1/servers/${encodeURIComponent(options.serverId ?? 'localhost')}/zones/${encodeURIComponent(absolute(options.zone))}`;
  const dnsServer = parseServer(options.server ?? new URL(base).hostname, 53);
  const where = `dns provider "${options.name}" (powerdns, zone ${options.zone} at ${base})`;

  return {
    name: options.name,
    type: 'powerdns',
    zone: options.zone,
    async replace(records: DnsRecordSet[], call: DnsCallOptions = {}) {
      const rrsets = records.map((r) =>
        r.values.length === 0
          ? { name: absolute(r.name), type: r.type, changetype: 'DELETE' }
          : {
              name: absolute(r.name),
              type: r.type,
              ttl: r.ttl,
              changetype: 'REPLACE',
              records: r.values.map((v) => ({ content: r.type === 'CNAME' ? absolute(v) : v, disabled: false })),
            },
      );
      const timeout = AbortSignal.timeout(options.timeoutMs ?? 10_000);
      let response: Response;
      try {
        response = await fetch(zoneUrl, {
          method: 'PATCH',
          headers: { 'X-API-Key': options.apiKey, 'Content-Type': 'application/json' },
          body: JSON.stringify({ rrsets }),
          signal: call.signal ? AbortSignal.any([call.signal, timeout]) : timeout,
        });
      } catch (error) {
        throw new Error(`${where}: the API did not answer: ${(error as Error).message}`, { cause: error });
      }
      if (response.status !== 204 && response.status !== 200) {
        const body = (await response.text().catch(() => '')).slice(0, 500);
        let reason = body;
        try {
          reason = (JSON.parse(body) as { error?: string }).error ?? body;
        } catch {
          // not JSON: the body as it came
        }
        throw new Error(
          `${where}: the API refused the change: HTTP ${response.status} ${reason}; the zone is unchanged`,
        );
      }
      const names = records.map((r) => `${r.name} ${r.type} ${r.values.join(',') || '(removed)'}`);
      return `${options.zone}: one PATCH replaced ${names.join('; ')}`;
    },
    lookup(name, type, call = {}) {
      return queryAuthoritative(dnsServer, name, type, { signal: call.signal });
    },
  };
}
