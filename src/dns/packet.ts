import dnsPacket from 'dns-packet';

/** A record as dns-packet encodes it; `UNKNOWN_<n>` types carry their rdata as raw bytes. */
export interface WireRecord {
  name: string;
  type: string;
  class?: string;
  ttl?: number;
  data: unknown;
}

export interface WireMessage {
  id?: number;
  type?: 'query' | 'response';
  flags?: number;
  rcode?: string;
  questions?: { name: string; type: string; class?: string }[];
  answers?: WireRecord[];
  authorities?: WireRecord[];
  additionals?: WireRecord[];
}

interface Codec<T> {
  encode(value: T): Buffer;
  decode(buf: Buffer, offset?: number): T;
  encodingLength(value: T): number;
}

/**
 * The kept dns-packet library, typed as Rewind uses it: whole messages, and the
 * name and record codecs it exports but its type definitions leave out (TSIG
 * needs them to build the bytes its MAC covers).
 */
export const packet = dnsPacket as unknown as {
  encode(message: WireMessage): Buffer;
  decode(buf: Buffer): WireMessage;
  name: Codec<string> & { decode: { bytes: number } };
  answer: Codec<WireRecord>;
};
