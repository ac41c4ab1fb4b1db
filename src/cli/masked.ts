import type { Redactor } from '../core/redact.js';
import { redactDeep } from '../core/redact.js';

/**
 * An in-process API whose answers and errors are masked by value, as the
 * controller masks its HTTP answers: the CLI prints the same either way.
 */
export function masked<T extends object>(api: T, redact: Redactor): T {
  return new Proxy(api, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) =>
        Promise.resolve((value as (...a: unknown[]) => unknown).apply(target, args)).then(
          (result) => redactDeep(result, redact),
          (error: unknown) => {
            if (error instanceof Error) error.message = redact(error.message);
            throw error;
          },
        );
    },
  });
}
