/**
 * Impact is what users met: a release whose instance dies under a GET fails the
 * attempt (evidence, errors5xx), but the warm release answers and the client
 * sees 200 — no failed request for the user, and the user is served, not
 * affected. A 500 the client does get is both. Real sockets, real upstreams.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createTrafficSwitch } from '../../src/proxy/index.js';
import { send, startUpstream } from '../proxy/upstream-fixture.js';
import type { TestUpstream } from '../proxy/upstream-fixture.js';

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const item of open.splice(0)) await item.close();
});

function secretFile(): string {
  const file = join(mkdtempSync(join(tmpdir(), 'rewind-users-secret-')), 'users.key');
  writeFileSync(file, `${'ab'.repeat(32)}\n`, { mode: 0o600 });
  return file;
}

describe('failed attempts apart from requests that failed for the user', () => {
  it('a retried GET answered by the warm release is evidence, not impact', async () => {
    const v1: TestUpstream = await startUpstream('v1');
    const v2: TestUpstream = await startUpstream('v2', { dying: true });
    open.push(v1, v2);
    const proxy = createTrafficSwitch({
      users: { key: { header: 'X-User-Id' }, features: { home: '/' }, secretFile: secretFile() },
    });
    open.push(proxy);
    proxy.setUpstreams(1, [v1.upstream]);
    proxy.setUpstreams(2, [v2.upstream]);
    proxy.setWeights({ 2: 100 });
    const address = await proxy.listen();
    for (let i = 0; i < 5; i += 1) {
      const answer = await send(address, '/', { headers: { 'X-User-Id': `someone-${i}` } });
      expect(answer.status).toBe(200);
    }
    const at = Date.now() + 1;
    // the attempts v2 failed stay evidence for its triggers …
    expect(proxy.telemetry.read(2, 'errors5xx', at, 60_000).value).toBe(5);
    // … but no user met a failure: counted on v2, the release they were sent to
    expect(proxy.telemetry.read(2, 'failedRequests', at, 60_000)).toEqual({ value: 0, samples: 5 });
    expect(proxy.telemetry.read(2, 'usersServed', at, 60_000).value).toBe(5);
    expect(proxy.telemetry.read(2, 'usersAffected', at, 60_000).value).toBe(0);
    expect(proxy.telemetry.users?.(2, at, 60_000)?.features[0]).toMatchObject({
      name: 'home',
      requests: 5,
      failedRequests: 0,
    });
  });

  it('a 5xx the client gets is a failed request and an affected user', async () => {
    const v1 = await startUpstream('v1');
    open.push(v1);
    const proxy = createTrafficSwitch({
      users: { key: { cookie: 'uid' }, features: {}, secretFile: secretFile() },
    });
    open.push(proxy);
    proxy.setUpstreams(1, [v1.upstream]);
    proxy.setWeights({ 1: 100 });
    const address = await proxy.listen();
    await v1.close();
    const answer = await send(address, '/', { headers: { cookie: 'a=1; uid=alice' } });
    expect(answer.status).toBe(502);
    await send(address, '/', { headers: { cookie: 'uid=alice' } });
    const at = Date.now() + 1;
    expect(proxy.telemetry.read(1, 'failedRequests', at, 60_000)).toEqual({ value: 2, samples: 2 });
    expect(proxy.telemetry.read(1, 'usersAffected', at, 60_000)).toEqual({ value: 1, samples: 1 });
    expect(proxy.telemetry.read(1, 'usersAffectedRatio', at, 60_000).value).toBe(1);
  });
});
