/**
 * What a serving worker does when its supervisor dies (SIGKILL, OOM, a bug)
 * while it serves: it goes on serving and forks a successor supervisor,
 * detached in its own session like the first, and hands it the listening
 * socket. The successor forks a fresh worker on that socket and writes the run
 * file; once that worker serves, this one closes (its requests in flight end)
 * and exits. The socket never stops listening, so no connection is refused and
 * no controller is needed. If the successor cannot start, this worker keeps
 * serving alone, and the controller's watchdog replaces the front door later.
 */
import { fork } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { SuccessionMessage, SwitchProcessConfig } from './switch-config.js';

const SUPERVISOR = fileURLToPath(new URL('./switch-supervisor.js', import.meta.url));
/** a successor that does not serve within this is given up on (this worker serves on) */
const SUCCESSION_TIMEOUT_MS = 15_000;

export function succeed(config: SwitchProcessConfig, listening: object, done: () => void): void {
  const log = (line: string): void =>
    void process.stderr.write(`${new Date().toISOString()} front door ${config.service}: ${line}\n`);
  const out = openSync(config.paths.log, 'a', 0o600);
  const successor = fork(SUPERVISOR, [JSON.stringify(config), '--succeed'], {
    detached: true,
    stdio: ['ignore', out, out, 'ipc'],
  });
  closeSync(out);
  log(`worker ${process.pid}: its supervisor is gone; successor ${successor.pid ?? '?'} takes over the socket`);
  const timer = setTimeout(() => {
    log(`successor ${successor.pid ?? '?'} did not serve in time; worker ${process.pid} serves on alone`);
    successor.disconnect();
  }, SUCCESSION_TIMEOUT_MS);
  successor.once('spawn', () => {
    const message: SuccessionMessage = { type: 'listening' };
    successor.send(message, listening as Parameters<typeof successor.send>[1]);
  });
  successor.on('message', (message: SuccessionMessage) => {
    if (message.type !== 'succeeded') return;
    clearTimeout(timer);
    successor.disconnect();
    successor.unref();
    done();
  });
  successor.once('exit', (code) => {
    clearTimeout(timer);
    log(`successor ended (exit ${code ?? '?'}) before taking over; worker ${process.pid} serves on alone`);
  });
}
