import { isIP } from 'node:net';
import { z } from 'zod';
import { DURATION_PATTERN } from '../../core/duration.js';

/**
 * Building blocks of the config schema. Custom checks say what was expected as
 * "expected …"; the error formatter appends what it got, giving
 * `expected a duration like "5s", got "fast"`.
 */
export const duration = (description: string) =>
  z
    .string()
    .regex(new RegExp(DURATION_PATTERN), { error: 'expected a duration like "5s"' })
    .describe(`${description} (a duration: 500ms, 5s, 5m, 1h)`);

export const hostPort = (description: string) =>
  z
    .string()
    .regex(/^[A-Za-z0-9.:[\]-]+:\d{1,5}$/, { error: 'expected host:port like "127.0.0.1:8080"' })
    .describe(description);

/** A command as an argv array: run without a shell, so no quoting surprises. */
export const argv = (description: string) =>
  z
    .array(z.string())
    .min(1, { error: 'expected a non-empty argv array like ["./deploy.sh", "{version}"]' })
    .describe(description);

export const name = (what: string) =>
  z
    .string()
    .regex(/^[a-z0-9]([a-z0-9_-]*[a-z0-9])?$/, {
      error: `expected a ${what} name of lowercase letters, digits, "-" and "_"`,
    })
    .describe(`the ${what}'s name (lowercase letters, digits, "-" and "_"), as other keys refer to it`);

export const severity = z.enum(['low', 'medium', 'high', 'critical']);
export const decisionAction = z.enum(['rollback', 'ask', 'alert', 'escalate', 'ignore', 'flag-off']);
export const onTimeout = z.enum(['rollback', 'escalate', 'ignore']);

/** "10.1.2.3", "::1", "10.0.0.0/8", "fd00::/8" */
export function isAddressOrBlock(value: string): boolean {
  const [address = '', bits, extra] = value.split('/');
  const family = isIP(address);
  if (family === 0 || extra !== undefined) return false;
  if (bits === undefined) return true;
  const prefix = Number(bits);
  return /^\d+$/.test(bits) && prefix <= (family === 4 ? 32 : 128);
}

/** `"42000-42999"` → `{ from: 42000, to: 42999 }`; null when not a usable range. */
export function portRange(text: string): { from: number; to: number } | null {
  const [from, to] = text.split('-').map(Number);
  if (from === undefined || to === undefined || !(from >= 1 && from <= to && to <= 65535)) return null;
  return { from, to };
}
