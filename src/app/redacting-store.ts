import type { Redactor } from '../core/redact.js';
import { redactDeep } from '../core/redact.js';
import type { Store } from '../core/ports/store.js';

/**
 * The store as use cases see it: every text written — plan step parameters (a
 * hook's argv included), journal output and errors, events, approval reasons —
 * is masked by value first, so state.db, the API, reports and notifications
 * built from it never hold a configured secret. Steps that need a secret read
 * it from the config when they run, never from the stored plan.
 */
export function redactingStore(store: Store, redact: Redactor): Store {
  const mask = <T>(value: T): T => redactDeep(value, redact);
  const text = (value: string | null | undefined) => (typeof value === 'string' ? redact(value) : value);
  const overrides: Partial<Store> = {
    createRollback: (input, at) => store.createRollback(mask(input), at),
    setRollbackStatus: (id, status, at, error) =>
      store.setRollbackStatus(id, status, at, error === undefined ? undefined : (text(error) ?? null)),
    finishStep: (rollbackId, index, attempt, result, at) =>
      store.finishStep(rollbackId, index, attempt, mask(result), at),
    appendEvent: (event, at) => store.appendEvent(mask(event), at),
    createApproval: (input, at) => store.createApproval(mask(input), at),
    decideApproval: (id, decision, at) => store.decideApproval(id, mask(decision), at),
    // a leader's fenced view is masked the same way
    fenced: (fence) => redactingStore(store.fenced(fence), redact),
  };
  // a proxy, not a copy: a store written as a class keeps its methods and `this`
  return new Proxy(store, {
    get(target, prop, receiver) {
      const own = overrides[prop as keyof Store];
      if (own) return own;
      const value = Reflect.get(target, prop, receiver) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}
