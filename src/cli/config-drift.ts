import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import type { LoadedConfig } from '../config/load.js';
import { createHttpCall } from './http-call.js';
import { color, say } from './output.js';

/** What `GET /v1/config` answers (the app's RunningConfig, as JSON). */
export interface RunningConfigAnswer {
  file: string;
  hash: string;
  loadedAt: number;
  pending: { path: string; needsRestart: string | null }[];
  last: { by: string; via: string; at: number; lines: string[] } | null;
}

const clock = (ms: number): string => new Date(ms).toISOString().slice(11, 19);

/**
 * Says so when the file this command read is not what the controller runs
 * ("the controller runs rewind.yaml as of 10:02:11; this file changed at
 * 10:07:40 — run rewind reload"). Quiet when it cannot tell (no token, an old
 * controller): it is advice, never a reason to fail the command.
 */
export async function warnOnConfigDrift(url: string, token: string | undefined, loaded: LoadedConfig): Promise<void> {
  const path = `${loaded.baseDir}/${basename(loaded.file)}`;
  let text: string;
  let changedAt: number;
  try {
    text = readFileSync(path, 'utf8');
    changedAt = statSync(path).mtimeMs;
  } catch {
    return;
  }
  const running = await Promise.race([
    createHttpCall(url, token)<RunningConfigAnswer>('GET', '/v1/config').catch(() => null),
    new Promise<null>((resolve) => setTimeout(() => resolve(null), 1000).unref()),
  ]);
  if (!running?.hash || running.hash === createHash('sha256').update(text).digest('hex')) return;
  const restart = running.pending.map((p) => p.path);
  say(
    color.yellow(
      `warning: the controller runs ${basename(loaded.file)} as of ${clock(running.loadedAt)}; this file changed at ${clock(changedAt)} — ${
        restart.length
          ? `${restart.join(', ')} only take${restart.length === 1 ? 's' : ''} effect after a restart of rewind serve`
          : 'run rewind reload'
      }`,
    ),
  );
}
