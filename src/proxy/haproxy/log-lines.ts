/**
/**
 * Reads HAProxy's request log lines, `<server> <status> <total ms> <accepted at,
 * epoch ms>\n` (a router that counts users adds ` <user hash|-> <feature|->`,
 * haproxy-users.ts), straight from the bytes of a stream: no string, no regex, no
 * allocation per line. Servers are named `r<revision>-<n>` (`b…` as a warm
 * backup); requests HAProxy answered itself (`<NOSRV>`) belong to no release and
 * are skipped. A HAProxy started by an older Rewind writes no accept time.
 */

/**
 * What one request log line says; `acceptedAtMs` is -1 when the line has none, `user`
 * the 52-bit hash or -1, `feature` an index or -1.
 */
export type LogLineSink = (
  revision: number,
  status: number,
  totalMs: number,
  acceptedAtMs: number,
  user: number,
  feature: number,
) => void;

const NEWLINE = 0x0a;
const SPACE = 0x20;
const DASH = 0x2d;
const ZERO = 0x30;
const NINE = 0x39;
/** a line longer than this is not one of ours: dropped rather than buffered without end */
const MAX_LINE = 512;

/** Splits a byte stream into lines (a line may span chunks) and hands each read line to `sink`. */
export class LogLineReader {
  private rest: Buffer | undefined;
  /** lines counted, and lines that could not be read */
  lines = 0;
  unreadable = 0;

  constructor(private readonly sink: LogLineSink) {}

  push(chunk: Buffer): void {
    let data = chunk;
    if (this.rest !== undefined) {
      data = Buffer.concat([this.rest, chunk]);
      this.rest = undefined;
    }
    let start = 0;
    for (;;) {
      const end = data.indexOf(NEWLINE, start);
      if (end < 0) break;
      this.line(data, start, end);
      start = end + 1;
    }
    if (start >= data.length) return;
    if (data.length - start > MAX_LINE) this.unreadable += 1;
    else this.rest = Buffer.from(data.subarray(start));
  }

  private line(data: Buffer, start: number, end: number): void {
    const first = data[start];
    if (first !== 0x72 && first !== 0x62) {
      // `<NOSRV>`: HAProxy answered itself (no server up); an empty line is framing.
      if (first !== 0x3c && end > start) this.unreadable += 1;
      return;
    }
    let i = start + 1;
    let revision = 0;
    const digitsFrom = i;
    for (; i < end && data[i]! >= ZERO && data[i]! <= NINE; i += 1) revision = revision * 10 + data[i]! - ZERO;
    if (i === digitsFrom || data[i] !== DASH) return void (this.unreadable += 1);
    while (i < end && data[i] !== SPACE) i += 1;
    const { value: status, next } = readInteger(data, i + 1, end);
    const { value: totalMs, next: afterMs } = readInteger(data, next + 1, end);
    if (Number.isNaN(status) || Number.isNaN(totalMs)) return void (this.unreadable += 1);
    let acceptedAtMs = -1;
    let user = -1;
    let feature = -1;
    if (afterMs < end && data[afterMs] === SPACE) {
      const accepted = readInteger(data, afterMs + 1, end);
      if (!Number.isNaN(accepted.value)) acceptedAtMs = accepted.value;
      i = accepted.next;
      if (i < end && data[i] === SPACE) {
        i += 1;
        // the first 13 hex digits of the hash: 52 bits, exact in a double
        for (let n = 0; i < end && n < 13 && data[i] !== SPACE && data[i] !== DASH; i += 1, n += 1) {
          const digit = hexDigit(data[i]!);
          if (digit < 0) return void (this.unreadable += 1);
          user = (user < 0 ? 0 : user) * 16 + digit;
        }
        while (i < end && data[i] !== SPACE) i += 1;
        const index = readInteger(data, i + 1, end).value;
        if (!Number.isNaN(index)) feature = index;
      }
    }
    this.lines += 1;
    this.sink(revision, status, totalMs, acceptedAtMs, user, feature);
  }
}

function hexDigit(byte: number): number {
  if (byte >= ZERO && byte <= NINE) return byte - ZERO;
  const lower = byte | 0x20;
  return lower >= 0x61 && lower <= 0x66 ? lower - 0x61 + 10 : -1;
}

const parsed = { value: 0, next: 0 };

/** A decimal integer, maybe negative, at `from`; NaN when there is none. Reuses one result object. */
function readInteger(data: Buffer, from: number, end: number): { value: number; next: number } {
  let i = from;
  const negative = data[i] === DASH;
  if (negative) i += 1;
  const digitsFrom = i;
  let value = 0;
  for (; i < end && data[i]! >= ZERO && data[i]! <= NINE; i += 1) value = value * 10 + data[i]! - ZERO;
  parsed.value = i === digitsFrom ? NaN : negative ? -value : value;
  parsed.next = i;
  return parsed;
}
