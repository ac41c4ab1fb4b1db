/** One DNS name's records as a site serves them: every value of the RRset, and its TTL in seconds. */
export interface DnsRecordSet {
  name: string;
  type: 'A' | 'AAAA' | 'CNAME';
  values: string[];
  ttl: number;
}

/** What the zone's authoritative server answers for a name and type right now. */
export interface DnsAnswer {
  values: string[];
  /** the TTL the server hands out, null when it has no such record */
  ttl: number | null;
}

export interface DnsCallOptions {
  signal?: AbortSignal;
}

/**
 * A DNS provider: a zone Rewind may change (RFC 2136 dynamic update, PowerDNS's
 * HTTP API; hosted DNS later through the same two calls). `replace` is one atomic
 * change per zone where the protocol allows it: every named RRset is deleted and
 * added again with its new values, or nothing changes.
 */
export interface DnsProvider {
  readonly name: string;
  readonly type: string;
  readonly zone: string;
  /** replaces the RRsets; resolves with a line for the journal, rejects naming the provider and the zone */
  replace(records: DnsRecordSet[], options?: DnsCallOptions): Promise<string>;
  /** asks the zone's authoritative server directly (no resolver, no cache) */
  lookup(name: string, type: DnsRecordSet['type'], options?: DnsCallOptions): Promise<DnsAnswer>;
}
