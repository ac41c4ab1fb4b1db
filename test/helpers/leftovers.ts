import { existsSync, readdirSync, readFileSync } from 'node:fs';
import type { Dirent } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * Local-driver instances outlive a killed controller by design (a new controller
 * adopts them). Tests that stop controllers use this to stop what they started.
 */
export function killRunFileInstances(root: string, depth = 4): void {
  if (depth < 0 || !existsSync(root)) return;
  let entries: Dirent[];
  try {
    entries = readdirSync(root, { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) {
    if (!entry.isDirectory()) continue;
    const path = join(root, entry.name);
    if (entry.name === 'run') {
      for (const file of readdirSync(path).filter((f) => f.endsWith('.json'))) {
        try {
          const record = JSON.parse(readFileSync(join(path, file), 'utf8')) as { instances?: { pid: number }[] };
          for (const { pid } of record.instances ?? []) killGroup(pid);
        } catch {
          // a half-written run file: nothing to kill from it
        }
      }
    } else if (entry.name === 'front-door') {
      // front doors outlive `rewind serve` too (its own process group: the pid is the group)
      for (const door of readdirSync(path)) {
        try {
          const run = JSON.parse(readFileSync(join(path, door, 'run.json'), 'utf8')) as { pid?: number };
          if (run.pid) killGroup(run.pid);
        } catch {
          // no run file: nothing runs
        }
      }
    } else if (entry.name !== 'node_modules' && entry.name !== 'releases') {
      killRunFileInstances(path, depth - 1);
    }
  }
}

export function killGroup(pid: number): void {
  for (const target of [-pid, pid]) {
    try {
      process.kill(target, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/** Pids whose command line mentions the bundled sample app or the front door of this checkout. */
export function sampleAppProcesses(): number[] {
  const app = resolve(import.meta.dirname, '../../examples/demo/app/server.js');
  const frontDoor = resolve(import.meta.dirname, '../../dist/proxy/front-door/switch-');
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      const cmdline = readFileSync(`/proc/${name}/cmdline`, 'utf8');
      if (cmdline.includes(app) || cmdline.includes(frontDoor)) pids.push(Number(name));
    } catch {
      // exited meanwhile
    }
  }
  return pids;
}
