/**
 * Reads one HTTP/1.1 response from an upstream connection's bytes (RFC 9112):
 * the status line and headers, then the body framed by Content-Length, chunked
 * coding or the connection's end, or no body at all (a HEAD request, 1xx, 204,
 * 304). Interim 1xx answers are skipped. It hands the head and each body piece
 * on as they arrive and says whether the connection may carry another request.
 */

export interface ResponseHead {
  status: number;
  statusMessage: string;
  /** flat [name, value, …] as sent */
  rawHeaders: string[];
}

export interface ResponseSink {
  head(head: ResponseHead): void;
  /** a piece of the body; `last` when it ends the body; false asks the sender to pause */
  body(chunk: Buffer, last: boolean): boolean;
  /** the body ended (after a last piece, or at once when there is none) */
  end(): void;
}

/** A response the reader cannot make sense of: the connection is not reused and the request fails. */
export class MalformedResponse extends Error {
  readonly code = 'EBADRESPONSE';
}

const HEAD_END = Buffer.from('\r\n\r\n');
const CRLF = Buffer.from('\r\n');
const MAX_HEAD = 64 * 1024;
const enum State {
  Head,
  Length,
  ChunkSize,
  ChunkData,
  ChunkEnd,
  Trailers,
  UntilClose,
  Done,
}

export class ResponseReader {
  private state = State.Head;
  private pending: Buffer | undefined;
  private remaining = 0;
  private keepAlive = true;

  constructor(
    private readonly sink: ResponseSink,
    private readonly headRequest: boolean,
  ) {}

  get done(): boolean {
    return this.state === State.Done;
  }

  /** Whether the body runs until the connection ends (then `finish()` ends it). */
  get untilClose(): boolean {
    return this.state === State.UntilClose;
  }

  /** Reads a chunk of the connection; returns false when the sink asked to pause. Throws MalformedResponse. */
  push(chunk: Buffer): boolean {
    let data = chunk;
    if (this.pending !== undefined) {
      data = Buffer.concat([this.pending, chunk]);
      this.pending = undefined;
    }
    let at = 0;
    let flowing = true;
    while (at < data.length && this.state !== State.Done) {
      switch (this.state) {
        case State.Head: {
          const end = data.indexOf(HEAD_END, at);
          if (end < 0) return this.keep(data, at, MAX_HEAD);
          this.readHead(data.toString('latin1', at, end));
          at = end + 4;
          break;
        }
        case State.Length: {
          const take = Math.min(this.remaining, data.length - at);
          this.remaining -= take;
          flowing = this.sink.body(data.subarray(at, at + take), this.remaining === 0);
          at += take;
          if (this.remaining === 0) this.finishBody();
          break;
        }
        case State.ChunkSize: {
          const end = data.indexOf(CRLF, at);
          if (end < 0) return this.keep(data, at, 1024);
          const size = Number.parseInt(data.toString('latin1', at, end).split(';')[0]?.trim() ?? '', 16);
          if (!Number.isFinite(size) || size < 0) throw new MalformedResponse('bad chunk size from upstream');
          this.remaining = size;
          this.state = size === 0 ? State.Trailers : State.ChunkData;
          at = end + 2;
          break;
        }
        case State.ChunkData: {
          const take = Math.min(this.remaining, data.length - at);
          this.remaining -= take;
          flowing = this.sink.body(data.subarray(at, at + take), false);
          at += take;
          if (this.remaining === 0) this.state = State.ChunkEnd;
          break;
        }
        case State.ChunkEnd: {
          if (data.length - at < 2) return this.keep(data, at, 2);
          if (data[at] !== 0x0d || data[at + 1] !== 0x0a) throw new MalformedResponse('bad chunk end from upstream');
          at += 2;
          this.state = State.ChunkSize;
          break;
        }
        case State.Trailers: {
          const end = data.indexOf(CRLF, at);
          if (end < 0) return this.keep(data, at, MAX_HEAD);
          // Trailer fields are dropped; the empty line ends the message.
          const empty = end === at;
          at = end + 2;
          if (empty) this.finishBody();
          break;
        }
        case State.UntilClose:
          flowing = this.sink.body(data.subarray(at), false);
          at = data.length;
          break;
      }
    }
    // Bytes after the end of the response: the connection is out of step; never reuse it.
    if (this.state === State.Done && at < data.length) this.keepAlive = false;
    return flowing;
  }

  /** The connection ended: ends a body that runs until then; false when the response was cut short. */
  finish(): boolean {
    if (this.state !== State.UntilClose) return this.state === State.Done;
    this.state = State.Done;
    this.sink.end();
    return true;
  }

  /** Whether the connection may carry another request. */
  get reusable(): boolean {
    return this.state === State.Done && this.keepAlive;
  }

  private keep(data: Buffer, at: number, limit: number): boolean {
    if (data.length - at > limit) throw new MalformedResponse('upstream response head too long');
    this.pending = Buffer.from(data.subarray(at));
    return true;
  }

  private readHead(text: string): void {
    const lines = text.split('\r\n');
    const statusLine = lines[0] ?? '';
    const match = /^HTTP\/1\.([01]) (\d{3})(?: (.*))?$/.exec(statusLine);
    if (match === null) throw new MalformedResponse(`bad status line from upstream: ${statusLine.slice(0, 80)}`);
    const status = Number(match[2]);
    if (status >= 100 && status < 200) {
      if (status === 101) throw new MalformedResponse('upstream switched protocols on a plain request');
      return; // an interim answer (100 Continue, 103 Early Hints): the real one follows
    }
    this.keepAlive = match[1] === '1';
    const rawHeaders: string[] = [];
    let length = -1;
    let chunked = false;
    for (let i = 1; i < lines.length; i += 1) {
      const line = lines[i] as string;
      const colon = line.indexOf(':');
      if (colon <= 0) throw new MalformedResponse('bad header line from upstream');
      const name = line.slice(0, colon);
      const value = line.slice(colon + 1).trim();
      rawHeaders.push(name, value);
      if (name.length === 14 && name.toLowerCase() === 'content-length') {
        length = Number(value);
        if (!Number.isSafeInteger(length) || length < 0)
          throw new MalformedResponse('bad content-length from upstream');
      } else if (name.length === 17 && name.toLowerCase() === 'transfer-encoding') {
        chunked = value.toLowerCase().endsWith('chunked');
      } else if (name.length === 10 && name.toLowerCase() === 'connection') {
        const tokens = value.toLowerCase();
        if (tokens.includes('close')) this.keepAlive = false;
        else if (tokens.includes('keep-alive')) this.keepAlive = true;
      }
    }
    // Both framings given: chunked wins and the length is wrong (RFC 9112 §6.3), so it is not passed on.
    if (chunked && length >= 0) dropHeader(rawHeaders, 'content-length');
    this.sink.head({ status, statusMessage: match[3] ?? '', rawHeaders });
    if (this.headRequest || status === 204 || status === 304) this.finishBody();
    else if (chunked) this.state = State.ChunkSize;
    else if (length >= 0) {
      this.remaining = length;
      if (length === 0) this.finishBody();
      else this.state = State.Length;
    } else {
      this.keepAlive = false;
      this.state = State.UntilClose;
    }
  }

  private finishBody(): void {
    this.state = State.Done;
    this.sink.end();
  }
}

function dropHeader(raw: string[], lowerName: string): void {
  for (let i = raw.length - 2; i >= 0; i -= 2) if ((raw[i] as string).toLowerCase() === lowerName) raw.splice(i, 2);
}
