import type { DnsRecordSet } from '../../core/ports/dns.js';
import { packet, type WireRecord } from '../packet.js';
import { canonicalName } from '../wire.js';

const OPCODE_UPDATE = 5;
const TYPE_CODES: Record<DnsRecordSet['type'], number> = { A: 1, CNAME: 5, AAAA: 28 };

/**
 * One RFC 2136 UPDATE for a zone: for every record set, "delete the RRset" (class
 * ANY, no rdata, §2.5.2) followed by "add to an RRset" for each value (§2.5.1).
 * The server applies the whole update or none of it (§3.4.2), so the name is never
 * left without records between the two.
 */
export function updateMessage(zone: string, records: DnsRecordSet[], id: number): Buffer {
  const updates: WireRecord[] = [];
  for (const record of records) {
    const name = canonicalName(record.name);
    updates.push({ name, type: `UNKNOWN_${TYPE_CODES[record.type]}`, class: 'ANY', ttl: 0, data: Buffer.alloc(0) });
    for (const value of record.values) {
      const data = record.type === 'CNAME' ? canonicalName(value) : value;
      updates.push({ name, type: record.type, class: 'IN', ttl: record.ttl, data });
    }
  }
  return packet.encode({
    id,
    type: 'query',
    flags: OPCODE_UPDATE << 11,
    questions: [{ name: canonicalName(zone), type: 'SOA', class: 'IN' }],
    answers: [],
    authorities: updates,
    additionals: [],
  });
}
