import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse } from 'yaml';

/**
 * `controller.stateDir` of a config that does not load here (say its database
 * URL comes from a variable only the controller has): enough to find the local
 * admin's token. Null when the file cannot be read at all.
 */
export function stateDirOf(configFile: string): string | null {
  try {
    const path = resolve(configFile);
    const doc = parse(readFileSync(path, 'utf8')) as { controller?: { stateDir?: unknown } } | null;
    const stateDir = typeof doc?.controller?.stateDir === 'string' ? doc.controller.stateDir : '.rewind';
    return resolve(dirname(path), stateDir);
  } catch {
    return null;
  }
}
