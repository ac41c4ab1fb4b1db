import type { RewindEvent } from '../../src/core/model.js';

type Listener = (event: RewindEvent) => void;
const listeners = new Set<Listener>();
let source: EventSource | null = null;

/** One server-sent-events connection for the whole page; pages subscribe while shown. */
export function connectLive(onState: (state: 'live' | 'reconnecting') => void): void {
  source?.close();
  source = new EventSource('/v1/events/stream');
  source.addEventListener('open', () => onState('live'));
  source.addEventListener('error', () => onState('reconnecting'));
  source.addEventListener('rewind', (message) => {
    const event = JSON.parse((message as MessageEvent<string>).data) as RewindEvent;
    for (const listener of listeners) listener(event);
  });
}

export function disconnectLive(): void {
  source?.close();
  source = null;
}

export function onLive(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** Calls `refresh` at most every `ms` after matching events, so a burst of steps costs one fetch. */
export function refreshOn(match: (event: RewindEvent) => boolean, refresh: () => void, ms = 150): () => void {
  let timer: ReturnType<typeof setTimeout> | null = null;
  const off = onLive((event) => {
    if (!match(event) || timer) return;
    timer = setTimeout(() => {
      timer = null;
      refresh();
    }, ms);
  });
  return () => {
    off();
    if (timer) clearTimeout(timer);
  };
}
