import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createProcessRunner, ProcessStartError } from '../../src/process/index.js';

const runner = createProcessRunner();

/** The process group a live pid belongs to, from /proc (Linux). */
function groupOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
}

function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

const until = async (check: () => boolean, ms = 3_000): Promise<boolean> => {
  for (let waited = 0; waited < ms; waited += 25) {
    if (check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return check();
};

describe('the one process runner', () => {
  it('answers a non-zero exit with its status and output, line by line, without throwing', async () => {
    const lines: string[] = [];
    const result = await runner.run(['sh', '-c', 'echo out; echo err >&2; exit 3'], { onLine: (l) => lines.push(l) });
    expect(result).toMatchObject({ code: 3, signal: null, stdout: 'out\n', stderr: 'err\n', timedOut: false });
    expect(lines.sort()).toEqual(['err', 'out']);
  });

  it('runs each command in its own process group and kills the whole group on timeout', async () => {
    let group = 0;
    const started = Date.now();
    // the shell starts a grandchild that would outlive a kill of the shell alone
    const result = await runner.run(['sh', '-c', 'sleep 30 & echo $!; wait'], {
      timeoutMs: 300,
      onSpawn: (g) => (group = g),
    });
    const grandchild = Number(result.stdout.trim());
    expect(group).toBeGreaterThan(0);
    expect(result.timedOut).toBe(true);
    expect(result.signal).toBe('SIGKILL');
    expect(result.stderr).toContain('(killed after 300ms)');
    expect(Date.now() - started).toBeLessThan(10_000);
    // a zombie left for a PID 1 that never reaps counts as gone: it holds nothing
    expect(await until(() => !alive(grandchild))).toBe(true);
  });

  it('kills the group when the caller aborts, and tells the group right after the start', async () => {
    const abort = new AbortController();
    let group = 0;
    let grandchild = 0;
    const running = runner.run(['sh', '-c', 'sleep 30 & echo $!; wait'], {
      signal: abort.signal,
      onSpawn: (g) => (group = g),
      onLine: (line) => (grandchild = Number(line)),
    });
    expect(groupOf(group)).toBe(group);
    expect(groupOf(group)).not.toBe(groupOf(process.pid));
    expect(await until(() => grandchild > 0)).toBe(true);
    expect(groupOf(grandchild)).toBe(group);
    abort.abort();
    const result = await running;
    expect(result).toMatchObject({ signal: 'SIGKILL', timedOut: false });
    expect(await until(() => !alive(grandchild))).toBe(true);
  });

  it('passes the minimum environment, the names asked for and the variables set; or all of it', async () => {
    process.env.REWIND_TEST_SECRETISH = 'controller-only';
    process.env.REWIND_TEST_PASSED = 'passed';
    try {
      const print = ['sh', '-c', 'echo "$REWIND_TEST_SECRETISH|$REWIND_TEST_PASSED|$REWIND_ATTEMPT|${PATH:+path}"'];
      const minimal = await runner.run(print, { passEnv: ['REWIND_TEST_PASSED'], env: { REWIND_ATTEMPT: '2' } });
      expect(minimal.stdout.trim()).toBe('|passed|2|path');
      const all = await runner.run(print, { passEnv: 'all' });
      expect(all.stdout.trim()).toBe('controller-only|passed||path');
    } finally {
      delete process.env.REWIND_TEST_SECRETISH;
      delete process.env.REWIND_TEST_PASSED;
    }
  });

  it('feeds a file to stdin, keeps the tail when asked, and fails clearly when it cannot start', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rewind-runner-'));
    writeFileSync(join(dir, 'input'), 'a\nb\nc\n');
    const fed = await runner.run(['cat'], { stdinFile: join(dir, 'input'), stdout: { max: 4, keep: 'tail' } });
    expect(fed.stdout).toBe('b\nc\n');
    const unreadable = runner.run(['cat'], { stdinFile: join(dir, 'missing') });
    await expect(unreadable).rejects.toMatchObject({ name: 'ProcessStartError', stage: 'input', code: 'ENOENT' });
    const missing = runner.run([join(dir, 'no-such-binary')]);
    await expect(missing).rejects.toBeInstanceOf(ProcessStartError);
    await expect(missing).rejects.toMatchObject({ code: 'ENOENT', stage: 'spawn' });
    await expect(runner.run(['sh', '-c', 'pwd'], { cwd: dir })).resolves.toMatchObject({ stdout: `${dir}\n` });
  });

  it('stops what an earlier attempt left running: SIGTERM to its group, null once it has ended', async () => {
    let group = 0;
    const left = runner.run(['sh', '-c', 'sleep 30 & wait'], { onSpawn: (g) => (group = g) });
    expect(runner.groupAlive(group)).toBe(true);
    const line = await runner.stopGroup(group, 2_000);
    expect(line).toBe(`its process group ${group} was still running; stopped with SIGTERM`);
    expect(runner.groupAlive(group)).toBe(false);
    await left;
    let finished = 0;
    await runner.run(['true'], { onSpawn: (g) => (finished = g) });
    expect(await runner.stopGroup(finished)).toBeNull();
  });
});
