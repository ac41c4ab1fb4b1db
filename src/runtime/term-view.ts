import type { AppContext } from '../app/context.js';

/**
 * The context the API's routes act on: the view `current()` returns whenever a
 * route reads it. The controller points it at the latest term's own view (its
 * fenced store), and leaves it there when the term ends, so a request still
 * writing then is refused by the fence instead of writing unfenced through a
 * store swapped back under it. Before any term it is the app's own context: a
 * follower only reads, its writes go to the leader.
 */
export function currentView(current: () => AppContext): AppContext {
  return new Proxy({} as AppContext, {
    get: (_target, key) => Reflect.get(current(), key) as unknown,
    set: (_target, key, value) => Reflect.set(current(), key, value),
    has: (_target, key) => Reflect.has(current(), key),
    ownKeys: () => Reflect.ownKeys(current()),
    getOwnPropertyDescriptor: (_target, key) => {
      const descriptor = Reflect.getOwnPropertyDescriptor(current(), key);
      return descriptor ? { ...descriptor, configurable: true } : undefined;
    },
  });
}
