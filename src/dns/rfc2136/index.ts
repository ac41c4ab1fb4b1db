import type { DnsCallOptions, DnsProvider, DnsRecordSet } from '../../core/ports/dns.js';
import { packet } from '../packet.js';
import { exchange, messageId, parseServer, queryAuthoritative, type DnsTransport } from '../wire.js';
import { sign, verify, type TsigKey } from './tsig.js';
import { updateMessage } from './update-message.js';

export interface Rfc2136Options {
  /** the provider's name in rewind.yaml, named in every error */
  name: string;
  /** host:port of the zone's primary authoritative server */
  server: string;
  zone: string;
  /** without a key the update goes unsigned (a server that allows updates by address) */
  tsig?: TsigKey;
  /** default tcp */
  transport?: DnsTransport;
  /** per request; default 5 s */
  timeoutMs?: number;
  /** seconds since the epoch, for TSIG's time signed; default the system clock */
  now?: () => number;
}

/**
 * RFC 2136 dynamic update, the protocol BIND, Knot and PowerDNS accept: one signed
 * UPDATE per zone sent to its primary server. A refusal (REFUSED, NOTAUTH with a
 * TSIG error, NOTZONE…) rejects with the provider, zone and the server's reason.
 */
export function createRfc2136Provider(options: Rfc2136Options): DnsProvider {
  const server = parseServer(options.server);
  const where = `dns provider "${options.name}" (rfc2136, zone ${options.zone} at ${options.server})`;
  const transport = options.transport ?? 'tcp';
  const now = options.now ?? (() => Math.floor(Date.now() / 1000));

  return {
    name: options.name,
    type: 'rfc2136',
    zone: options.zone,
    async replace(records: DnsRecordSet[], call: DnsCallOptions = {}) {
      const id = messageId();
      const unsigned = updateMessage(options.zone, records, id);
      const { signed, mac } = options.tsig ? sign(unsigned, options.tsig, now()) : { signed: unsigned, mac: null };
      let response: Buffer;
      try {
        response = await exchange(server, signed, { transport, timeoutMs: options.timeoutMs, signal: call.signal });
      } catch (error) {
        throw new Error(`${where}: the update was not answered: ${(error as Error).message}`, { cause: error });
      }
      const decoded = packet.decode(response);
      const rcode = decoded.rcode ?? 'NOERROR';
      const check = options.tsig && mac ? verify(response, mac, options.tsig) : null;
      if (rcode !== 'NOERROR') {
        const tsigError = check?.error
          ? ` (TSIG ${check.error}: the server does not accept key "${options.tsig?.name}" as given)`
          : '';
        throw new Error(`${where}: the server refused the update: ${rcode}${tsigError}; the zone is unchanged`);
      }
      if (check && !check.verified)
        throw new Error(`${where}: the answer to the update is not signed with key "${options.tsig?.name}"`);
      const names = records.map((r) => `${r.name} ${r.type} ${r.values.join(',') || '(removed)'}`);
      return `${options.zone}: one update replaced ${names.join('; ')}${options.tsig ? ` (signed with ${options.tsig.name})` : ''}`;
    },
    lookup(name, type, call = {}) {
      return queryAuthoritative(server, name, type, { transport, signal: call.signal });
    },
  };
}
