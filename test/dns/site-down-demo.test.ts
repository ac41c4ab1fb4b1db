import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { missingPart } from '../harness/free-port.js';
import { findBinary } from '../harness/dns-servers.js';

const ready = Boolean(findBinary('named')) || missingPart('bind9 (named)') !== 'skip';

describe.skipIf(!ready)('rewind demo --fault site-down', () => {
  it('fails over by DNS when the primary goes down, and back', async () => {
    const result = await runCli(['demo', '--fault', 'site-down', '--json'], { cwd: tmpdir() });
    expect(result.code, result.stderr).toBe(0);
    const out = JSON.parse(result.stdout) as { ok: boolean; dnsSwitchedAfterMs: number; failoverStatus: string };
    expect(out).toMatchObject({ ok: true, missing: null, failoverStatus: 'succeeded', failbackStatus: 'succeeded' });
    expect(out.dnsSwitchedAfterMs).toBeGreaterThan(0);
  }, 120_000);
});
