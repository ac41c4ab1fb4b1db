import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import { packet } from './packet.js';
import type { DnsAnswer, DnsRecordSet } from '../core/ports/dns.js';

/** Where a zone's authoritative server listens. */
export interface DnsServer {
  host: string;
  port: number;
}

export type DnsTransport = 'tcp' | 'udp';

export function parseServer(text: string, defaultPort = 53): DnsServer {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  if (bracketed) return { host: bracketed[1] as string, port: Number(bracketed[2] ?? defaultPort) };
  const colon = text.lastIndexOf(':');
  if (colon > 0 && !text.slice(0, colon).includes(':'))
    return { host: text.slice(0, colon), port: Number(text.slice(colon + 1)) };
  return { host: text, port: defaultPort };
}

/** A name as DNS compares it: lower case, no trailing dot. */
export const canonicalName = (name: string): string => name.toLowerCase().replace(/\.$/, '');

const aborted = (signal: AbortSignal | undefined): Error =>
  signal?.reason instanceof Error ? signal.reason : new Error('aborted');

/**
 * One request, one answer: over TCP with the two-byte length prefix (RFC 1035
 * §4.2.2), or as one UDP datagram. Gives up after `timeoutMs` or on the signal.
 */
export function exchange(
  server: DnsServer,
  message: Buffer,
  options: { transport?: DnsTransport; timeoutMs?: number; signal?: AbortSignal } = {},
): Promise<Buffer> {
  const timeoutMs = options.timeoutMs ?? 5_000;
  return new Promise<Buffer>((resolve, reject) => {
    if (options.signal?.aborted) return reject(aborted(options.signal));
    let close = (): void => undefined;
    const finish = (error: Error | null, answer?: Buffer) => {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      close();
      if (error) reject(error);
      else resolve(answer as Buffer);
    };
    const onAbort = () => finish(aborted(options.signal));
    const timer = setTimeout(
      () => finish(new Error(`no answer from ${server.host}:${server.port} within ${timeoutMs}ms`)),
      timeoutMs,
    );
    options.signal?.addEventListener('abort', onAbort, { once: true });
    if (options.transport === 'udp') {
      const socket = createSocket(server.host.includes(':') ? 'udp6' : 'udp4');
      close = () => socket.close();
      socket.on('error', (error) => finish(error));
      socket.on('message', (answer) => finish(null, answer));
      socket.send(message, server.port, server.host);
      return;
    }
    const socket = connect({ host: server.host, port: server.port });
    close = () => socket.destroy();
    let received = Buffer.alloc(0);
    socket.on('error', (error) => finish(error));
    socket.on('data', (chunk) => {
      received = Buffer.concat([received, chunk]);
      if (received.length >= 2 && received.length >= 2 + received.readUInt16BE(0))
        finish(null, received.subarray(2, 2 + received.readUInt16BE(0)));
    });
    socket.on('end', () => finish(new Error(`${server.host}:${server.port} closed the connection without an answer`)));
    const length = Buffer.alloc(2);
    length.writeUInt16BE(message.length);
    socket.write(Buffer.concat([length, message]));
  });
}

let nextId = Math.floor(Math.random() * 0xffff);
/** A fresh message id (RFC 5452 asks for unpredictable ones on the open Internet; these stay on the operator's link). */
export const messageId = (): number => (nextId = (nextId + 1) & 0xffff);

/** Asks the server itself, without recursion, what it holds for one name and type. */
export async function queryAuthoritative(
  server: DnsServer,
  name: string,
  type: DnsRecordSet['type'],
  options: { transport?: DnsTransport; signal?: AbortSignal } = {},
): Promise<DnsAnswer> {
  const id = messageId();
  const question = packet.encode({ id, type: 'query', flags: 0, questions: [{ name: canonicalName(name), type }] });
  const answer = packet.decode(await exchange(server, question, options));
  if (answer.id !== id) throw new Error(`${server.host}:${server.port} answered another question (id ${answer.id})`);
  const rcode = answer.rcode ?? 'NOERROR';
  if (rcode !== 'NOERROR' && rcode !== 'NXDOMAIN')
    throw new Error(`${server.host}:${server.port} answered ${rcode} for ${name} ${type}`);
  const records = (answer.answers ?? []).filter(
    (a) => a.type === type && canonicalName(a.name) === canonicalName(name),
  );
  const values = records.map((r) => (type === 'CNAME' ? canonicalName(String(r.data)) : String(r.data)));
  return { values: values.sort(), ttl: records[0]?.ttl ?? null };
}

/** True when the answer holds exactly these values (order and a CNAME's trailing dot aside). */
export function answers(answer: DnsAnswer, record: DnsRecordSet): boolean {
  const wanted = record.values.map((v) => (record.type === 'CNAME' ? canonicalName(v) : normalizeAddress(v))).sort();
  const got = answer.values.map((v) => (record.type === 'CNAME' ? v : normalizeAddress(v))).sort();
  return wanted.length === got.length && wanted.every((v, i) => v === got[i]);
}

/** AAAA values compare in their one canonical form (`::1`, not `0:0:…:1`). */
function normalizeAddress(value: string): string {
  if (!value.includes(':')) return value;
  try {
    return new URL(`http://[${value}]/`).hostname.slice(1, -1);
  } catch {
    return value.toLowerCase();
  }
}
