/**
 * HAProxy's runtime API over its admin unix socket: one command per connection
 * (the socket's non-interactive mode), the answer is everything it writes back.
 */
import { connect } from 'node:net';
import { InternalError } from '../../core/errors.js';

export function runtimeCommand(socketPath: string, command: string, timeoutMs = 5000): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const socket = connect(socketPath);
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new InternalError(`haproxy runtime API did not answer "${command}" within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.on('connect', () => socket.end(`${command}\n`));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString('utf8'));
    });
  });
}

/** Current sessions per server of `backend`, from `show stat` (CSV: scur is column 5). */
export function parseSessions(csv: string, backend: string): Map<string, number> {
  const sessions = new Map<string, number>();
  for (const line of csv.split('\n')) {
    const fields = line.split(',');
    if (fields[0] !== backend || fields[1] === undefined || fields[1] === 'BACKEND') continue;
    sessions.set(fields[1], Number(fields[4] ?? 0) || 0);
  }
  return sessions;
}
