import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RollbackDetail } from '../../src/core/model.js';
import { apiFetch } from '../helpers/api.js';
import type { Project, Serve } from '../helpers/cli.js';
import { freePort, startServe, tempProject, waitFor } from '../helpers/cli.js';

// Three services on the command driver; every command records its begin and end
// (or SIGTERM) with pid and time, and writes the weight it set to a file.
const STEP_SH = `#!/bin/sh
label=$1
now() { date +%s%3N; }
echo "begin|$label|$$|$(now)" >> effects.log
trap 'echo "killed|$label|$$|$(now)" >> effects.log; exit 143' TERM PIPE
sleep "$(cat "pace.$label" 2>/dev/null || echo 0.05)" & wait $!
if [ -n "$2" ]; then echo "$3" > "$2"; fi
echo "end|$label|$$|$(now)" >> effects.log
`;
const SERVICES = ['web', 'api', 'worker'];
const service = (name: string) => `  ${name}:
    driver:
      type: command
      start: ["sh", "./step.sh", "{service}-start-r{revision}"]
      shiftTraffic: ["sh", "./step.sh", "{service}-shift-r{revision}-{weight}", "weight.{service}.r{revision}", "{weight}"]
      retire: ["sh", "./step.sh", "{service}-retire-r{revision}"]
      timeout: 30s
    analysis: { duration: 0s }
    postRollback: { watch: 0s }
`;

let project: Project | null = null;
const serves: Serve[] = [];
afterEach(async () => {
  for (const s of serves.splice(0)) await s.kill('SIGKILL');
  project?.cleanup();
});

describe('a rollback of several services after a controller crash', () => {
  it('SIGKILL between the first and the second service: the next controller finishes it; every service ends on its target', async () => {
    const p = (project = tempProject('rewind-group-resume-'));
    p.write('rewind.yaml', `version: 1\nenvironments:\n  production: {}\nservices:\n${SERVICES.map(service).join('')}`);
    p.write('step.sh', STEP_SH);
    const port = await freePort();
    const first = await startServe(p, port);
    serves.push(first);
    const call = async (path: string, json?: unknown) => {
      const answer = await apiFetch(`${first.url}${path}`, json === undefined ? {} : { method: 'POST', json }, p);
      return { status: answer.status, body: (await answer.json()) as Record<string, unknown> };
    };
    for (const version of ['v1', 'v2'])
      for (const name of SERVICES) {
        const deployed = await call('/v1/deploy', { service: name, version });
        expect(deployed.status, JSON.stringify(deployed.body)).toBeLessThan(300);
      }
    const plan = (await call('/v1/undo-group', { dryRun: true })).body as { services: { service: string }[] };
    const [one, two, three] = plan.services.map((s) => s.service) as [string, string, string];
    p.write(`pace.${two}-start-r1`, '3');
    const undo = await call('/v1/undo-group', { reason: 'crash between services' });
    expect(undo.status, JSON.stringify(undo.body)).toBe(202);
    const id = (undo.body.rollback as RollbackDetail).id;
    const effects = () => readFileSync(join(p.dir, 'effects.log'), 'utf8');
    // the first start-r1 of each service was its v1 deploy
    await waitFor(
      `${two}'s start to begin`,
      async () => effects().split(`begin|${two}-start-r1|`).length > 2,
      20_000,
      20,
    );
    await first.kill('SIGKILL');
    const at = effects().split('\n').length;

    const second = await startServe(p, port);
    serves.push(second);
    const done = await waitFor(
      'the next controller to finish the rollback',
      async () => {
        const detail = (await call(`/v1/rollbacks/${id}`)).body as unknown as RollbackDetail;
        return ['succeeded', 'failed', 'escalated'].includes(detail.status) && detail;
      },
      60_000,
      200,
    );
    expect(done.status, done.error ?? '').toBe('succeeded');
    for (const name of SERVICES) {
      expect(readFileSync(join(p.dir, `weight.${name}.r1`), 'utf8').trim(), name).toBe('100');
      expect(readFileSync(join(p.dir, `weight.${name}.r2`), 'utf8').trim(), name).toBe('0');
    }
    // the first service was done before the crash: nothing of it ran again
    const after = effects().split('\n').slice(at);
    expect(after.filter((l) => l.includes(`|${one}-`))).toEqual([]);
    expect(after.filter((l) => l.startsWith(`begin|${two}-start-r1|`))).toHaveLength(1);
    expect(after.some((l) => l.startsWith(`begin|${three}-start-r1|`))).toBe(true);
    const interrupted = done.journal.filter((j) => j.status === 'interrupted');
    expect(interrupted).toHaveLength(1);
    expect(done.steps[interrupted[0]?.stepIndex ?? -1]?.title).toContain(`${two}:`);
  }, 120_000);
});
