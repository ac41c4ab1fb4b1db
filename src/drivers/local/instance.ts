/**
 * One supervised instance: a detached process (its own group) on a
 * fixed loopback port, output appended to its log file, restarted after a crash
 * with exponential backoff — a crash loop shows up as a climbing `restarts`
 * signal instead of a busy spin. A process inherited from a previous controller
 * (adopted) has no ChildProcess handle, so its liveness is polled.
 */
import { spawn } from 'node:child_process';
import { appendFileSync, closeSync, existsSync, openSync } from 'node:fs';
import type { Clock } from '../../core/clock.js';
import { UserError } from '../../core/errors.js';
import { isAlive, processStartTime, stopGroup, type StopResult } from './process-group.js';

export interface InstanceSpec {
  index: number;
  argv: string[];
  cwd: string;
  /** the complete environment, the port variable included */
  env: NodeJS.ProcessEnv;
  host: string;
  port: number;
  logPath: string;
  stopTimeoutMs: number;
  backoff: { initialMs: number; maxMs: number; resetAfterMs: number };
}

export interface InstanceEvents {
  /** a new process runs (spawned or adopted): persist it, restart its probe */
  onProcess(instance: SupervisedInstance): void;
}

export interface SupervisedInstance {
  readonly spec: InstanceSpec;
  pid(): number | null;
  /** /proc start time of the process, to recognise it after a controller restart */
  startTime(): number | null;
  restarts(): number;
  /** how the last process ended and how many times in a row it ended so: a crash loop repeats */
  exits(): { last: string | null; repeated: number };
  /** first start; rejects with the reason when the command cannot be spawned */
  spawn(): Promise<void>;
  /** watch a process left by an earlier controller */
  adopt(pid: number): void;
  /** SIGTERM the group, SIGKILL after stopTimeout; no restarts afterwards */
  stop(): Promise<StopResult>;
  /** stop supervising (no restarts, no polling) but leave the process running */
  detach(): void;
}

const ADOPTED_POLL_MS = 250;

export function createInstance(spec: InstanceSpec, events: InstanceEvents, clock: Clock): SupervisedInstance {
  let pid: number | null = null;
  let startTime: number | null = null;
  let restarts = 0;
  let lastExit: string | null = null;
  let repeatedExits = 0;
  let upSince = 0;
  let delay = spec.backoff.initialMs;
  let supervising = true;
  const abort = new AbortController();

  const note = (line: string): void => {
    try {
      appendFileSync(spec.logPath, `[rewind ${new Date(clock.now()).toISOString()}] ${line}\n`);
    } catch {
      // the log is best effort; supervision must go on without it
    }
  };

  function started(newPid: number): void {
    pid = newPid;
    startTime = processStartTime(newPid);
    upSince = clock.now();
    events.onProcess(self);
  }

  async function spawnProcess(): Promise<void> {
    const [file, ...args] = spec.argv;
    if (!file) throw new UserError('LOCAL_COMMAND', 'the local driver needs a non-empty `command`');
    if (!existsSync(spec.cwd)) {
      note(`cannot start: the release folder ${spec.cwd} does not exist`);
      throw new UserError('LOCAL_RELEASE_FOLDER', `the release folder ${spec.cwd} does not exist (driver.cwd)`);
    }
    // noted before the spawn: a note written after it would land among the first lines the process prints
    note(`starting on ${spec.host}:${spec.port}: ${spec.argv.join(' ')}`);
    const fd = openSync(spec.logPath, 'a');
    let child;
    try {
      child = spawn(file, args, { cwd: spec.cwd, env: spec.env, detached: true, stdio: ['ignore', fd, fd] });
    } finally {
      closeSync(fd);
    }
    if (child.pid === undefined) {
      const error = await new Promise<Error>((resolve) => child.once('error', resolve));
      note(`cannot start ${file}: ${error.message}`);
      throw new UserError(
        'LOCAL_SPAWN',
        `cannot start ${JSON.stringify(spec.argv.join(' '))} in ${spec.cwd}: ${error.message}`,
        { cause: error },
      );
    }
    child.on('error', () => undefined);
    // The controller may exit and a later one adopt the process.
    child.unref();
    const childPid = child.pid;
    child.once('exit', (code, signal) => {
      if (pid !== childPid) return;
      const how = signal ?? `code ${code}`;
      repeatedExits = how === lastExit ? repeatedExits + 1 : 1;
      lastExit = how;
      onGone(`exited with ${how}`);
    });
    started(childPid);
  }

  function onGone(how: string): void {
    pid = null;
    startTime = null;
    if (!supervising) return;
    restarts += 1;
    // A run that stayed up long enough is not part of a crash loop: start over.
    if (clock.now() - upSince >= spec.backoff.resetAfterMs) delay = spec.backoff.initialMs;
    const wait = delay;
    delay = Math.min(delay * 2, spec.backoff.maxMs);
    note(`instance ${spec.index} ${how}; restart ${restarts} in ${wait}ms`);
    void restartAfter(wait);
  }

  async function restartAfter(ms: number): Promise<void> {
    try {
      await clock.sleep(ms, abort.signal);
    } catch {
      return;
    }
    if (!supervising) return;
    try {
      await spawnProcess();
    } catch {
      upSince = clock.now();
      onGone('could not be started');
    }
  }

  async function pollAdopted(adoptedPid: number, adoptedStart: number | null): Promise<void> {
    while (supervising && pid === adoptedPid) {
      const same = isAlive(adoptedPid) && (adoptedStart === null || processStartTime(adoptedPid) === adoptedStart);
      if (!same) {
        onGone('(adopted) is gone');
        return;
      }
      try {
        await clock.sleep(ADOPTED_POLL_MS, abort.signal);
      } catch {
        return;
      }
    }
  }

  const self: SupervisedInstance = {
    spec,
    pid: () => pid,
    startTime: () => startTime,
    restarts: () => restarts,
    exits: () => ({ last: lastExit, repeated: repeatedExits }),
    spawn: spawnProcess,
    adopt(adoptedPid) {
      note(`adopted pid ${adoptedPid} on ${spec.host}:${spec.port}`);
      started(adoptedPid);
      void pollAdopted(adoptedPid, startTime);
    },
    async stop() {
      supervising = false;
      abort.abort();
      const current = pid;
      if (current === null) return { killed: false, elapsedMs: 0 };
      const result = await stopGroup(current, spec.stopTimeoutMs, clock);
      note(
        `instance ${spec.index} pid ${current} stopped${result.killed ? ` with SIGKILL after ${spec.stopTimeoutMs}ms` : ''}`,
      );
      pid = null;
      return result;
    },
    detach() {
      supervising = false;
      abort.abort();
    },
  };
  return self;
}
