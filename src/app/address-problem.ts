import { ExitCode, UserError } from '../core/errors.js';

/**
 * A listen address that cannot be had (taken, or not ours to bind) is a config
 * problem: the error names the key that set it, so the fix is one edit away.
 * Anything else is passed through unchanged.
 */
export function addressProblem(error: unknown, key: string, address: string, file: string): unknown {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  if (code !== 'EADDRINUSE' && code !== 'EADDRNOTAVAIL' && code !== 'EACCES') return error;
  const why = code === 'EADDRINUSE' ? 'is already in use (another process listens there)' : 'cannot be bound here';
  return new UserError('ADDRESS_IN_USE', `${file}: ${key}: ${address} ${why} — choose another address`, {
    exitCode: ExitCode.usage,
    status: 400,
    cause: error,
  });
}

/** `host:port` (or `[v6]:port`) of a listen address, as the server binds it. */
export function splitListen(listen: string): [string, number] {
  const at = listen.lastIndexOf(':');
  return [listen.slice(0, at).replace(/^\[|\]$/g, ''), Number(listen.slice(at + 1))];
}
