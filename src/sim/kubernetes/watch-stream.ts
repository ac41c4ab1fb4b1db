import type { ServerResponse } from 'node:http';
import { ApiError } from './api-error.js';
import { apiVersionOf } from './resources.js';
import type { ResourceType } from './resources.js';
import type { ObjectStore, StoredEvent } from './store.js';
import type { KubeObject } from './types.js';

/** Every watch stream still open, so a test can cut them all (a dropped connection). */
export const openWatches = new Set<ServerResponse>();

export interface WatchRequest {
  type: ResourceType;
  version: string;
  namespace?: string;
  resourceVersion?: string;
  timeoutSeconds?: number;
  bookmarks: boolean;
  matches: (obj: KubeObject) => boolean;
}

/**
 * A watch as the API server streams it: chunked JSON, one `{type, object}`
 * per line. With a resourceVersion it replays what happened after it (410
 * Expired when that is older than the kept history, sent as an ERROR
 * event); without one (or "0") it starts with ADDED for what exists.
 */
export function streamWatch(store: ObjectStore, req: WatchRequest, res: ServerResponse): void {
  openWatches.add(res);
  res.on('close', () => openWatches.delete(res));
  res.writeHead(200, {
    'Content-Type': 'application/json',
    'Transfer-Encoding': 'chunked',
    'Cache-Control': 'no-cache, private',
  });
  res.flushHeaders();
  const send = (type: string, object: unknown) => res.write(`${JSON.stringify({ type, object })}\n`);
  const out = (obj: KubeObject): KubeObject => ({
    ...obj,
    apiVersion: apiVersionOf(req.type, req.version),
    kind: req.type.kind,
  });
  const relevant = (e: StoredEvent) =>
    e.type_ === req.type && (!req.namespace || e.object.metadata.namespace === req.namespace) && req.matches(e.object);
  const rv = req.resourceVersion;
  if (!rv || rv === '0') {
    for (const obj of store.list(req.type, req.namespace)) if (req.matches(obj)) send('ADDED', out(obj));
  } else {
    try {
      for (const e of store.since(Number(rv))) if (relevant(e)) send(e.type, out(e.object));
    } catch (error) {
      if (error instanceof ApiError) {
        send('ERROR', error.toStatus());
        res.end();
        return;
      }
      throw error;
    }
  }
  const listener = (e: StoredEvent) => {
    if (relevant(e)) send(e.type, out(e.object));
  };
  store.events.on('event', listener);
  const bookmark = req.bookmarks
    ? setInterval(() => {
        send('BOOKMARK', {
          kind: req.type.kind,
          apiVersion: apiVersionOf(req.type, req.version),
          metadata: { resourceVersion: String(store.resourceVersion) },
        });
      }, 5000)
    : undefined;
  const finish = () => {
    store.events.off('event', listener);
    if (bookmark) clearInterval(bookmark);
    if (timer) clearTimeout(timer);
    if (!res.writableEnded) res.end();
  };
  const timer = req.timeoutSeconds ? setTimeout(finish, req.timeoutSeconds * 1000) : undefined;
  res.on('close', finish);
}
