import { createHmac, timingSafeEqual } from 'node:crypto';
import { packet } from '../packet.js';

/** A TSIG key as BIND's `key` clause and `tsig-keygen` write it; the secret is base64. */
export interface TsigKey {
  name: string;
  algorithm: TsigAlgorithm;
  secret: string;
}

export const TSIG_ALGORITHMS = {
  'hmac-md5': { wire: 'hmac-md5.sig-alg.reg.int', hash: 'md5' },
  'hmac-sha1': { wire: 'hmac-sha1', hash: 'sha1' },
  'hmac-sha224': { wire: 'hmac-sha224', hash: 'sha224' },
  'hmac-sha256': { wire: 'hmac-sha256', hash: 'sha256' },
  'hmac-sha384': { wire: 'hmac-sha384', hash: 'sha384' },
  'hmac-sha512': { wire: 'hmac-sha512', hash: 'sha512' },
} as const;
export type TsigAlgorithm = keyof typeof TSIG_ALGORITHMS;

const TSIG_TYPE = 250;
const CLASS_ANY = 255;
export const TSIG_ERRORS: Record<number, string> = { 16: 'BADSIG', 17: 'BADKEY', 18: 'BADTIME', 22: 'BADTRUNC' };

const wireName = (name: string): Buffer => packet.name.encode(name.toLowerCase().replace(/\.$/, ''));
const u16 = (n: number): Buffer => {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
};
const u48 = (n: number): Buffer => {
  const b = Buffer.alloc(6);
  b.writeUIntBE(n, 0, 6);
  return b;
};

/** The TSIG variables of RFC 8945 §4.3.3 that the MAC covers after the message. */
function variables(key: TsigKey, timeSigned: number, fudge: number, error: number, other: Buffer): Buffer {
  return Buffer.concat([
    wireName(key.name),
    u16(CLASS_ANY),
    Buffer.alloc(4),
    wireName(TSIG_ALGORITHMS[key.algorithm].wire),
    u48(timeSigned),
    u16(fudge),
    u16(error),
    u16(other.length),
    other,
  ]);
}

const hmac = (key: TsigKey, ...parts: Buffer[]): Buffer => {
  const mac = createHmac(TSIG_ALGORITHMS[key.algorithm].hash, Buffer.from(key.secret, 'base64'));
  for (const part of parts) mac.update(part);
  return mac.digest();
};

/**
 * Signs an encoded message (RFC 8945 §4.3): the MAC over the message and the TSIG
 * variables, appended as the last additional record. The dns-packet library has
 * no TSIG record of its own, so its rdata is written here and encoded as an
 * opaque record.
 */
export function sign(message: Buffer, key: TsigKey, nowSeconds: number, fudge = 300): { signed: Buffer; mac: Buffer } {
  const mac = hmac(key, message, variables(key, nowSeconds, fudge, 0, Buffer.alloc(0)));
  const rdata = Buffer.concat([
    wireName(TSIG_ALGORITHMS[key.algorithm].wire),
    u48(nowSeconds),
    u16(fudge),
    u16(mac.length),
    mac,
    message.subarray(0, 2),
    u16(0),
    u16(0),
  ]);
  const record = packet.answer.encode({
    name: key.name.replace(/\.$/, ''),
    type: `UNKNOWN_${TSIG_TYPE}`,
    class: 'ANY',
    ttl: 0,
    data: rdata,
  });
  const header = Buffer.from(message.subarray(0, 12));
  header.writeUInt16BE(header.readUInt16BE(10) + 1, 10);
  return { signed: Buffer.concat([header, message.subarray(12), record]), mac };
}

export interface TsigCheck {
  /** the TSIG error the server reported (BADSIG, BADKEY, BADTIME), null for none */
  error: string | null;
  /** true when the answer carries a MAC made with our key over our request */
  verified: boolean;
}

/** Reads the answer's TSIG record and checks its MAC against the request's (RFC 8945 §5.3). */
export function verify(response: Buffer, requestMac: Buffer, key: TsigKey): TsigCheck {
  const decoded = packet.decode(response);
  const last = decoded.additionals?.at(-1);
  if (!last || (last.type !== 'TSIG' && last.type !== `UNKNOWN_${TSIG_TYPE}`)) return { error: null, verified: false };
  const rdata = last.data as Buffer;
  const algorithm = packet.name.decode(rdata, 0);
  let offset = packet.name.decode.bytes;
  const timeSigned = rdata.readUIntBE(offset, 6);
  const fudge = rdata.readUInt16BE(offset + 6);
  const macSize = rdata.readUInt16BE(offset + 8);
  offset += 10;
  const mac = rdata.subarray(offset, offset + macSize);
  offset += macSize;
  const originalId = rdata.readUInt16BE(offset);
  const errorCode = rdata.readUInt16BE(offset + 2);
  const otherLength = rdata.readUInt16BE(offset + 4);
  const other = rdata.subarray(offset + 6, offset + 6 + otherLength);
  const error = errorCode === 0 ? null : (TSIG_ERRORS[errorCode] ?? `TSIG error ${errorCode}`);
  if (macSize === 0 || algorithm.toLowerCase() !== TSIG_ALGORITHMS[key.algorithm].wire)
    return { error, verified: false };
  const recordLength = packet.answer.encodingLength(last);
  const unsigned = Buffer.from(response.subarray(0, response.length - recordLength));
  unsigned.writeUInt16BE(originalId, 0);
  unsigned.writeUInt16BE(unsigned.readUInt16BE(10) - 1, 10);
  const expected = hmac(
    key,
    u16(requestMac.length),
    requestMac,
    unsigned,
    variables(key, timeSigned, fudge, errorCode, other),
  );
  return { error, verified: expected.length === mac.length && timingSafeEqual(expected, mac) };
}
