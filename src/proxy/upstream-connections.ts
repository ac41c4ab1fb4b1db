/**
 * Keep-alive connections to one upstream instance, and the bodiless request
 * (GET, HEAD, DELETE… without Content-Length or Transfer-Encoding: most of
 * a service's traffic) sent on one of them. Node's HTTP client spends more time
 * per request than the proxying around it; this path writes the request head in
 * one write and reads the answer with response-reader.ts, with one listener set
 * per connection instead of per request. Requests with a body keep Node's client
 * (forward-http.ts), which streams them with backpressure.
 */
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { connectTimeoutError } from './exchange.js';
import { ResponseReader } from './response-reader.js';
import type { ResponseHead, ResponseSink } from './response-reader.js';

/** What the forwarding side does with one call's answer; `owner` is its exchange. */
export interface CallHandler<T> {
  head(owner: T, head: ResponseHead): void;
  /** false asks the connection to pause until `resume()` */
  body(owner: T, chunk: Buffer, last: boolean): boolean;
  end(owner: T): void;
  /** the call failed before its answer ended; `reused`: it ran on a kept-alive connection */
  fail(owner: T, error: Error, reused: boolean, connected: boolean): void;
}

const CALL = Symbol('rewind.call');
type Connection = Socket & { [CALL]?: UpstreamCall<unknown> | undefined; failure?: Error; connected?: boolean };

/** One request on one connection: what forwarding holds while it waits for the answer. */
export class UpstreamCall<T> implements ResponseSink {
  destroyed = false;
  readonly reader: ResponseReader;

  constructor(
    readonly owner: T,
    private readonly handler: CallHandler<T>,
    readonly socket: Connection,
    readonly reused: boolean,
    headRequest: boolean,
  ) {
    this.reader = new ResponseReader(this, headRequest);
  }

  head(head: ResponseHead): void {
    this.handler.head(this.owner, head);
  }

  body(chunk: Buffer, last: boolean): boolean {
    return this.handler.body(this.owner, chunk, last);
  }

  end(): void {
    this.handler.end(this.owner);
  }

  /** Abandons the call: its connection is closed; with an `error`, the handler hears of it. */
  destroy(error?: Error): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.socket[CALL] = undefined;
    this.socket.destroy();
    if (error !== undefined) this.handler.fail(this.owner, error, this.reused, this.socket.connected === true);
  }

  resume(): void {
    if (!this.destroyed) this.socket.resume();
  }

  failed(error: Error): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.handler.fail(this.owner, error, this.reused, this.socket.connected === true);
  }
}

export class UpstreamConnections {
  private readonly idle: Connection[] = [];
  private open = 0;
  private closed = false;

  constructor(
    readonly host: string,
    readonly port: number,
    private readonly maxSockets: number,
    private readonly idleTimeoutMs: number,
  ) {}

  /**
   * Sends `head` on an idle connection (the newest), or a new one when `fresh`
   * or none is idle; undefined when `maxSockets` are busy (the caller uses
   * Node's agent, which queues).
   */
  call<T>(
    owner: T,
    handler: CallHandler<T>,
    head: string,
    headRequest: boolean,
    fresh: boolean,
    connectTimeoutMs: number,
  ): UpstreamCall<T> | undefined {
    let socket = fresh ? undefined : this.idle.pop();
    const reused = socket !== undefined;
    if (socket === undefined) {
      if (this.open >= this.maxSockets || this.closed) return undefined;
      socket = this.connect(connectTimeoutMs);
    }
    const call = new UpstreamCall(owner, handler, socket, reused, headRequest);
    socket[CALL] = call as UpstreamCall<unknown>;
    socket.write(head, 'latin1');
    return call;
  }

  /** Closes every connection; calls on them fail. */
  destroy(): void {
    this.closed = true;
    for (const socket of this.idle.splice(0)) socket.destroy();
  }

  private connect(connectTimeoutMs: number): Connection {
    const socket: Connection = connect({ host: this.host, port: this.port, noDelay: true });
    this.open += 1;
    const timer = setTimeout(() => socket.destroy(connectTimeoutError(connectTimeoutMs)), connectTimeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.connected = true;
    });
    socket.setTimeout(this.idleTimeoutMs);
    socket.on('data', (chunk: Buffer) => this.onData(socket, chunk));
    socket.on('timeout', () => {
      if (socket[CALL] === undefined) socket.destroy();
    });
    socket.on('error', (error) => (socket.failure = error));
    socket.on('close', () => {
      clearTimeout(timer);
      this.open -= 1;
      const at = this.idle.indexOf(socket);
      if (at >= 0) this.idle.splice(at, 1);
      const call = socket[CALL];
      socket[CALL] = undefined;
      if (call === undefined || call.destroyed) return;
      if (call.reader.finish()) return;
      call.failed(socket.failure ?? Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
    });
    return socket;
  }

  private onData(socket: Connection, chunk: Buffer): void {
    const call = socket[CALL];
    if (call === undefined) {
      // An idle connection has nothing to say: the upstream is out of step.
      socket.destroy();
      return;
    }
    let flowing: boolean;
    try {
      flowing = call.reader.push(chunk);
    } catch (error) {
      socket[CALL] = undefined;
      socket.destroy();
      call.failed(error as Error);
      return;
    }
    if (call.destroyed) return;
    if (call.reader.done) {
      socket[CALL] = undefined;
      call.destroyed = true;
      if (call.reader.reusable && !this.closed) {
        if (socket.isPaused()) socket.resume();
        this.idle.push(socket);
      } else socket.destroy();
    } else if (!flowing) socket.pause();
  }
}
