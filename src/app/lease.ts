import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { ExitCode, UserError } from '../core/errors.js';
import type { Lease } from '../core/model.js';
import type { AppContext } from './context.js';

const TTL_MS = 15_000;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * One controller per state: it holds a lease it renews. A lease left by a
 * controller on this host whose process is gone (SIGKILL) is taken over at once
 * instead of waiting for it to expire.
 */
export async function holdControllerLease(ctx: AppContext): Promise<() => Promise<void>> {
  const holder = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  const deadOnThisHost = (lease: Lease): boolean => {
    const [host, pid] = lease.holder.split(':');
    return host === hostname() && !alive(Number(pid));
  };
  const take = () => ctx.store.acquireLease('controller', holder, TTL_MS, ctx.clock.now(), deadOnThisHost);
  if (!(await take())) {
    throw new UserError(
      'CONTROLLER_RUNNING',
      `another controller already runs on ${ctx.loaded.stateDir}; stop it first or use another controller.stateDir`,
      {
        exitCode: ExitCode.failed,
      },
    );
  }
  const timer = setInterval(() => void take().catch(() => undefined), TTL_MS / 3);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await ctx.store.releaseLease('controller', holder).catch(() => undefined);
  };
}
