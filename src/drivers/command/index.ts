import { resolve } from 'node:path';
import type { Release } from '../../core/model.js';
import type { Driver, DriverCallOptions, LiveState, LogsOptions, Weights } from '../../core/ports/driver.js';
import { LOGS_CAPTURE, splitInstances } from './logs.js';
import { fillPlaceholders } from '../../core/placeholders.js';
import type { OutputCapture, ProcessRunner } from '../../core/ports/process.js';

/** Options of the command driver: one argv per operation (config `driver.type: command`). */
export interface CommandDriverOptions {
  /** runs every operation's command (the one process runner) */
  runner: ProcessRunner;
  start: string[];
  shiftTraffic: string[];
  retire: string[];
  /** optional: exit 0 = healthy; JSON `{"releases":[…]}` on stdout is read as live state */
  describe?: string[];
  /** optional: the platform's own undo to {revision} */
  undo?: string[];
  /** optional: prints the release's recent output; `==> NAME <==` lines (as `tail` prints them) start each instance */
  logs?: string[];
  /** working directory (absolute) */
  cwd: string;
  env: Record<string, string>;
  /** variables of the controller's environment passed through beyond the minimum; default none */
  passEnv?: readonly string[];
  /** time limit of one command; default 60 s */
  timeoutMs: number;
  redact: (text: string) => string;
}

/**
 * The command driver, for platforms Rewind does not know: every operation runs a
 * user command, without a shell, with a timeout; a non-zero exit fails the step and
 * its output (redacted) goes to the journal.
 */
export function createCommandDriver(options: CommandDriverOptions): Driver {
  const run = async (
    argv: string[],
    values: Record<string, string | number>,
    call: DriverCallOptions = {},
    capture?: OutputCapture,
  ): Promise<string> => {
    const filled = argv.map((a) => fillPlaceholders(a, values));
    const env = Object.fromEntries(Object.entries(options.env).map(([k, v]) => [k, fillPlaceholders(v, values)]));
    const result = await options.runner.run(filled, {
      cwd: resolve(options.cwd),
      env,
      ...(options.passEnv ? { passEnv: options.passEnv } : {}),
      timeoutMs: options.timeoutMs,
      ...(call.signal ? { signal: call.signal } : {}),
      ...(call.log ? { onLine: (line: string) => call.log?.(options.redact(line)) } : {}),
      ...(call.onProcess ? { onSpawn: call.onProcess } : {}),
      ...(capture ? { stdout: capture } : {}),
    });
    const output = options.redact(`${result.stdout}${result.stderr}`.trim());
    if (result.code !== 0) {
      const how = result.signal ? `was killed by ${result.signal}` : `exited with ${result.code}`;
      throw new Error(`${options.redact(filled.join(' '))} ${how}${output ? `: ${output.slice(-2000)}` : ''}`);
    }
    return output;
  };
  const releaseValues = (r: Release, weight = 0) => ({
    service: r.service,
    env: r.environment,
    version: r.version,
    revision: r.revision,
    weight,
  });

  return {
    type: 'command',
    capabilities: {
      health: Boolean(options.describe),
      needsOwner: false,
      nativeUndo: Boolean(options.undo),
      preferNativeUndo: Boolean(options.undo),
    },
    limits: () => ({ commandMs: options.timeoutMs, stopMs: 0 }),
    async describe(service, environment, call): Promise<LiveState> {
      if (!options.describe) return { service, environment, releases: [], observed: false };
      try {
        const out = await run(
          options.describe,
          { service, env: environment, version: '', revision: '', weight: '' },
          call,
        );
        const parsed = parseDescribe(out);
        return { service, environment, releases: parsed, observed: true, healthy: true };
      } catch {
        // describe failing means "not healthy", not "Rewind is broken"
        return { service, environment, releases: [], observed: true, healthy: false };
      }
    },
    start: (release, call) => run(options.start, releaseValues(release), call),
    async shiftTraffic(_service, _environment, weights: Weights, releases: Release[], call) {
      // raise the target first, then lower the others: traffic never drops to nobody
      const ordered = [...releases].sort((a, b) => (weights[b.revision] ?? 0) - (weights[a.revision] ?? 0));
      const outputs: string[] = [];
      for (const release of ordered) {
        if (!(release.revision in weights)) continue;
        outputs.push(await run(options.shiftTraffic, releaseValues(release, weights[release.revision] ?? 0), call));
      }
      return outputs.filter(Boolean).join('\n');
    },
    retire: (release, call) => run(options.retire, releaseValues(release), call),
    ...(options.undo
      ? {
          undo: (_s: string, _e: string, to: Release, call?: DriverCallOptions) =>
            run(options.undo as string[], releaseValues(to, 100), call),
        }
      : {}),
    ...(options.logs
      ? {
          logs: async (release: Release, call: LogsOptions = {}) => {
            // the newest output matters: keep the end of what the command prints
            const text = await run(options.logs as string[], releaseValues(release), call, LOGS_CAPTURE);
            return splitInstances(text, `${release.service}-r${release.revision}`, call.maxLines ?? 10_000);
          },
        }
      : {}),
  };
}

/** Reads `{"releases":[{revision, version, weight, healthy}]}`; anything else means "healthy, shape unknown". */
function parseDescribe(out: string): LiveState['releases'] {
  try {
    const json = JSON.parse(out) as { releases?: Partial<LiveState['releases'][number]>[] };
    return (json.releases ?? []).map((r) => ({
      revision: Number(r.revision),
      version: String(r.version ?? ''),
      weight: Number(r.weight ?? 0),
      ready: Number(r.ready ?? 1),
      desired: Number(r.desired ?? 1),
      healthy: r.healthy !== false,
    }));
  } catch {
    return [];
  }
}
