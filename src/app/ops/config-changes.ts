/**
 * What changed between the config a controller runs and the file on disk, key
 * path by key path, and which of those changes a running controller may take
 * on at once. Pure: no file, no store.
 */
import type { RewindConfig } from '../../config/schema/index.js';

export interface ConfigChange {
  /** the key path, e.g. services.web.health.ready */
  path: string;
  /** the value before and after, as JSON text; null when the key was absent */
  from: string | null;
  to: string | null;
  /** set when only a restart of `rewind serve` applies it: why */
  needsRestart: string | null;
}

type Json = unknown;
const isObject = (v: Json): v is Record<string, Json> => typeof v === 'object' && v !== null && !Array.isArray(v);
const text = (v: Json): string | null => (v === undefined ? null : JSON.stringify(v));

/** Front-door settings of the local driver: the switch listening there is opened once per controller. */
const FRONT_DOOR_KEYS = new Set(['type', 'listen', 'router', 'upstreamTimeout', 'trustForwardedFrom']);

/**
 * Why a change at `path` needs a restart, or null when it applies live. The
 * listen address, store and state dir are held by the running process; databases
 * and metric providers are connected once; a service's platform and front door
 * are built once; a service added or removed changes what the controller owns.
 */
export function restartReason(path: string[], before: RewindConfig, after: RewindConfig): string | null {
  const [top, name, part, key] = path;
  if (top === 'controller' || top === 'version') return 'the controller holds it while it runs';
  if (top === 'databases' || top === 'providers') return 'connected once when the controller starts';
  if (top !== 'services' || name === undefined) return null;
  if (!before.services[name] || !after.services[name]) return 'a service added or removed changes what it owns';
  if (part !== 'driver') return null;
  if (before.services[name].driver.type !== 'local' || after.services[name].driver.type !== 'local')
    return 'the service’s platform is connected once';
  if (key === undefined || FRONT_DOOR_KEYS.has(key)) return 'the front door is opened once';
  return null;
}

/** Every leaf that differs; arrays compare whole (a trigger list is one value). */
export function configChanges(before: RewindConfig, after: RewindConfig): ConfigChange[] {
  const out: ConfigChange[] = [];
  const walk = (a: Json, b: Json, path: string[]) => {
    if (isObject(a) && isObject(b)) {
      for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) walk(a[key], b[key], [...path, key]);
      return;
    }
    // a whole service appears or goes: one line, not one per key
    if (JSON.stringify(a) === JSON.stringify(b)) return;
    out.push({ path: path.join('.'), from: text(a), to: text(b), needsRestart: restartReason(path, before, after) });
  };
  walk(before, after, []);
  return out;
}

/**
 * The config to run after a reload: the new file, except that every change that
 * needs a restart keeps its running value until then.
 */
export function applicableConfig(before: RewindConfig, after: RewindConfig, changes: ConfigChange[]): RewindConfig {
  const result = structuredClone(after) as unknown as Record<string, Json>;
  const old = before as unknown as Record<string, Json>;
  for (const change of changes.filter((c) => c.needsRestart)) {
    const path = change.path.split('.');
    // a service added or removed is kept as it runs, whole
    const depth = path[0] === 'services' && (!before.services[path[1] ?? ''] || !after.services[path[1] ?? '']) ? 2 : 0;
    const keys = depth ? path.slice(0, depth) : path;
    let from: Json = old;
    let into: Record<string, Json> = result;
    for (const [i, key] of keys.entries()) {
      const last = i === keys.length - 1;
      from = isObject(from) ? from[key] : undefined;
      if (last) {
        if (from === undefined) delete into[key];
        else into[key] = structuredClone(from);
      } else {
        if (!isObject(into[key])) into[key] = {};
        into = into[key] as Record<string, Json>;
      }
    }
  }
  return result as unknown as RewindConfig;
}

/** One line per change, for the CLI and the controller's log. */
export function changeLines(changes: ConfigChange[]): string[] {
  return changes.map(
    (c) =>
      `${c.needsRestart ? '! ' : '~ '}${c.path}: ${c.from ?? '(none)'} → ${c.to ?? '(none)'}${c.needsRestart ? ` — needs a restart of rewind serve (${c.needsRestart}); not applied` : ''}`,
  );
}
