import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * A tiny key-value a notifier keeps across restarts (the status page
 * incident id of each rollback). The composition root passes one backed by the
 * state directory; tests and one-shot runs use the in-memory one.
 */
export interface NotifierState {
  get(key: string): Promise<string | null> | string | null;
  set(key: string, value: string): Promise<void> | void;
}

export function createMemoryState(initial: Record<string, string> = {}): NotifierState {
  const values = new Map(Object.entries(initial));
  return {
    get: (key) => values.get(key) ?? null,
    set: (key, value) => {
      values.set(key, value);
    },
  };
}

/**
 * A JSON file of string values, e.g. `<stateDir>/notify-state.json`. Writes go to a
 * temporary file renamed over the old one, so a crash leaves either version whole.
 * Writes are serialised; one process owns the file (the leader's dispatcher).
 */
export function createFileState(path: string): NotifierState {
  let cache: Record<string, string> | null = null;
  let writing: Promise<void> = Promise.resolve();

  const load = async (): Promise<Record<string, string>> => {
    if (cache) return cache;
    try {
      const parsed: unknown = JSON.parse(await readFile(path, 'utf8'));
      cache = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, string>) : {};
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      cache = {};
    }
    return cache;
  };

  return {
    async get(key) {
      const values = await load();
      return typeof values[key] === 'string' ? values[key] : null;
    },
    async set(key, value) {
      const values = await load();
      values[key] = value;
      const text = `${JSON.stringify(values, null, 2)}\n`;
      writing = writing
        .catch(() => undefined)
        .then(async () => {
          await mkdir(dirname(path), { recursive: true });
          const temporary = `${path}.${process.pid}.tmp`;
          await writeFile(temporary, text, 'utf8');
          await rename(temporary, path);
        });
      await writing;
    },
  };
}
