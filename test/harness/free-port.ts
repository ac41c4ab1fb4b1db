import { createServer } from 'node:net';

/** A TCP port free on 127.0.0.1 right now (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** When a real part is missing: fail in CI, skip loudly elsewhere (BRIEF). */
export function missingPart(what: string): 'skip' {
  const line = `!!! SKIPPING: ${what} is not available on this machine — these tests did NOT run`;
  if (process.env.CI === 'true') throw new Error(`${what} is required in CI: ${line}`);
  console.warn(line);
  return 'skip';
}

/**
 * In a test body: the real part is there, or the test fails in CI and is skipped
 * with its reason elsewhere — never a silent pass.
 */
export function requirePart<T>(
  ctx: { skip(note?: string): never },
  part: T,
  what: string,
): asserts part is NonNullable<Exclude<T, false>> {
  if (part) return;
  missingPart(what);
  ctx.skip(`${what} is not available on this machine`);
}
