/**
 * API server semantics the driver relies on, over plain HTTP against the
 * simulated API server (simulated): watch resume and expiry, optimistic
 * concurrency, Status objects, selectors, revisionHistoryLimit, Recreate and
 * the rolling update's surge bound. Expected values follow the API
 * conventions and the Deployment controller's source.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeSim } from '../../src/sim/kubernetes/index.js';
import { startKubeSim } from '../../src/sim/kubernetes/index.js';
import { until } from './kubectl.js';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function deployment(name: string, image: string, spec: Obj = {}): Obj {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name, image }] } },
      ...spec,
    },
  };
}

describe('simulated API server semantics over HTTP (simulated)', () => {
  let sim: KubeSim;
  const call = async (method: string, path: string, body?: unknown, type = 'application/json') => {
    const res = await fetch(`${sim.url}${path}`, {
      method,
      headers: body === undefined ? {} : { 'Content-Type': type },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Obj };
  };
  const DEPLOY = '/apis/apps/v1/namespaces/default/deployments';
  const rsOf = async (app: string) =>
    (await call('GET', `/apis/apps/v1/namespaces/default/replicasets?labelSelector=app%3D${app}`)).body.items as Obj[];

  beforeAll(async () => {
    sim = await startKubeSim();
  });
  afterAll(async () => {
    await sim?.close();
  });

  it('answers 404, 409 AlreadyExists, 409 Conflict and 422 Invalid with Status objects', async () => {
    const missing = await call('GET', `${DEPLOY}/nope`);
    expect(missing).toEqual({
      status: 404,
      body: {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: 'deployments.apps "nope" not found',
        reason: 'NotFound',
        details: { name: 'nope', group: 'apps', kind: 'deployments' },
        code: 404,
      },
    });
    const created = await call('POST', DEPLOY, deployment('api', 'shop/api:v1'));
    expect(created.status).toBe(201);
    const again = await call('POST', DEPLOY, deployment('api', 'shop/api:v1'));
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ reason: 'AlreadyExists', message: 'deployments.apps "api" already exists' });
    // The controller writes status right after the create, so re-read before replacing.
    expect(created.body.metadata.resourceVersion).toMatch(/^\d+$/);
    const stale = (await call('GET', `${DEPLOY}/api`)).body;
    stale.spec.replicas = 3;
    expect((await call('PUT', `${DEPLOY}/api`, stale)).status).toBe(200);
    const conflict = await call('PUT', `${DEPLOY}/api`, stale);
    expect(conflict.status).toBe(409);
    expect(conflict.body).toMatchObject({ reason: 'Conflict', code: 409 });
    expect(conflict.body.message).toBe(
      'Operation cannot be fulfilled on deployments.apps "api": the object has been modified; please apply your changes to the latest version and try again',
    );
    const bad = await call('POST', DEPLOY, deployment('Bad_Name', 'x:1'));
    expect(bad.status).toBe(422);
    expect(bad.body.reason).toBe('Invalid');
    expect(bad.body.details.causes[0].field).toBe('metadata.name');
    const noNs = await call('POST', '/api/v1/namespaces/ghost/configmaps', { metadata: { name: 'x' } });
    expect(noNs).toMatchObject({ status: 404, body: { message: 'namespaces "ghost" not found' } });
  });

  it('streams a watch from a resourceVersion, and answers 410 Expired for one older than its history', async () => {
    const list = await call('GET', '/api/v1/namespaces/default/configmaps');
    const from = list.body.metadata.resourceVersion as string;
    const controller = new AbortController();
    const res = await fetch(`${sim.url}/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=${from}`, {
      signal: controller.signal,
    });
    const events: Obj[] = [];
    const reading = (async () => {
      const decoder = new TextDecoder();
      let buffer = '';
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let nl: number;
        while ((nl = buffer.indexOf('\n')) >= 0) {
          events.push(JSON.parse(buffer.slice(0, nl)) as Obj);
          buffer = buffer.slice(nl + 1);
        }
      }
    })().catch(() => undefined);
    await call('POST', '/api/v1/namespaces/default/configmaps', {
      metadata: { name: 'flags' },
      data: { FEATURE_X: 'on' },
    });
    await call(
      'PATCH',
      '/api/v1/namespaces/default/configmaps/flags',
      { data: { FEATURE_X: 'off' } },
      'application/merge-patch+json',
    );
    await call('DELETE', '/api/v1/namespaces/default/configmaps/flags');
    await until('three events', async () => events.length >= 3, 10_000);
    controller.abort();
    await reading;
    expect(events.map((e) => [e.type, e.object.kind, e.object.data?.FEATURE_X])).toEqual([
      ['ADDED', 'ConfigMap', 'on'],
      ['MODIFIED', 'ConfigMap', 'off'],
      ['DELETED', 'ConfigMap', 'off'],
    ]);
    const versions = events.map((e) => Number(e.object.metadata.resourceVersion));
    expect(versions).toEqual([...versions].sort((a, b) => a - b));
    expect(versions[0]).toBeGreaterThan(Number(from));
    // A resumed watch replays what happened after the given version.
    const replay = await fetch(
      `${sim.url}/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=${from}&timeoutSeconds=1`,
    );
    const lines = (await replay.text())
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as Obj).type);
    expect(lines).toEqual(['ADDED', 'MODIFIED', 'DELETED']);
    const expired = await fetch(
      `${sim.url}/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=0&timeoutSeconds=1`,
    );
    expect(expired.status).toBe(200);
    sim.compact();
    const tooOld = await fetch(
      `${sim.url}/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=${from}&timeoutSeconds=1`,
    );
    const first = JSON.parse((await tooOld.text()).split('\n')[0]!) as Obj;
    expect(first).toMatchObject({ type: 'ERROR', object: { kind: 'Status', code: 410, reason: 'Expired' } });
  });

  it('drops open watches and injects conflicts when a test asks', async () => {
    const res = await fetch(`${sim.url}/api/v1/namespaces/default/configmaps?watch=1`);
    const body = res.text();
    sim.dropWatches();
    await expect(body).rejects.toThrow();
    await call('POST', '/api/v1/namespaces/default/configmaps', { metadata: { name: 'retry' } });
    sim.injectConflicts(1);
    const patch = { data: { a: '1' } };
    const first = await call(
      'PATCH',
      '/api/v1/namespaces/default/configmaps/retry',
      patch,
      'application/merge-patch+json',
    );
    expect(first).toMatchObject({ status: 409, body: { reason: 'Conflict' } });
    const second = await call(
      'PATCH',
      '/api/v1/namespaces/default/configmaps/retry',
      patch,
      'application/merge-patch+json',
    );
    expect(second).toMatchObject({ status: 200, body: { data: { a: '1' } } });
  });

  it('filters lists by label selector (equality and set-based) and field selector', async () => {
    for (const [name, tier] of [
      ['a', 'web'],
      ['b', 'db'],
      ['c', 'web'],
    ]) {
      await call('POST', '/api/v1/namespaces/default/configmaps', {
        metadata: { name: `sel-${name}`, labels: { tier: tier!, set: 'sel' } },
      });
    }
    const names = async (q: string) =>
      ((await call('GET', `/api/v1/namespaces/default/configmaps?${q}`)).body.items as Obj[]).map(
        (o) => o.metadata.name,
      );
    expect(await names('labelSelector=tier%3Dweb')).toEqual(['sel-a', 'sel-c']);
    expect(await names('labelSelector=set%3Dsel,tier!%3Dweb')).toEqual(['sel-b']);
    expect(await names(`labelSelector=${encodeURIComponent('tier in (db,cache)')}`)).toEqual(['sel-b']);
    expect(await names('fieldSelector=metadata.name%3Dsel-c')).toEqual(['sel-c']);
  });

  it('keeps revisionHistoryLimit old ReplicaSets and never surges past replicas + maxSurge', async () => {
    await call('POST', DEPLOY, deployment('hist', 'shop/hist:v1', { revisionHistoryLimit: 1, replicas: 4 }));
    let maxPods = 0;
    const sampler = setInterval(() => {
      const pods = sim.api.store
        .list({ group: '', versions: ['v1'], plural: 'pods', singular: 'pod', kind: 'Pod', namespaced: true })
        .filter((p) => p.metadata.labels?.app === 'hist' && !p.metadata.deletionTimestamp);
      maxPods = Math.max(maxPods, pods.length);
    }, 20);
    for (const tag of ['v2', 'v3']) {
      const patch = { spec: { template: { spec: { containers: [{ name: 'hist', image: `shop/hist:${tag}` }] } } } };
      await call('PATCH', `${DEPLOY}/hist`, patch, 'application/strategic-merge-patch+json');
      await until(`rollout of ${tag}`, async () => {
        const d = (await call('GET', `${DEPLOY}/hist`)).body;
        return d.status.updatedReplicas === 4 && d.status.availableReplicas === 4 && d.status.replicas === 4;
      });
    }
    clearInterval(sampler);
    // 25% of 4: one surge pod at most.
    expect(maxPods).toBe(5);
    const revisions = (
      await until('the old ReplicaSet to be cleaned up', async () => {
        const list = await rsOf('hist');
        return list.length === 2 ? list : undefined;
      })
    )
      .map((rs) => rs.metadata.annotations['deployment.kubernetes.io/revision'])
      .sort();
    expect(revisions).toEqual(['2', '3']);
  });

  it('Recreate scales the old ReplicaSet to zero before the new one starts', async () => {
    await call('POST', DEPLOY, deployment('batch', 'shop/batch:v1', { strategy: { type: 'Recreate' } }));
    await until('v1 available', async () => (await call('GET', `${DEPLOY}/batch`)).body.status.availableReplicas === 2);
    let overlap = false;
    const sampler = setInterval(() => {
      const images = new Set(
        sim.api.store
          .list({ group: '', versions: ['v1'], plural: 'pods', singular: 'pod', kind: 'Pod', namespaced: true })
          .filter((p) => p.metadata.labels?.app === 'batch')
          .map((p) => (p.spec as Obj).containers[0].image),
      );
      if (images.size > 1) overlap = true;
    }, 20);
    await call(
      'PATCH',
      `${DEPLOY}/batch`,
      [{ op: 'replace', path: '/spec/template/spec/containers/0/image', value: 'shop/batch:v2' }],
      'application/json-patch+json',
    );
    await until('v2 available', async () => {
      const d = (await call('GET', `${DEPLOY}/batch`)).body;
      return d.status.updatedReplicas === 2 && d.status.availableReplicas === 2 && d.status.replicas === 2;
    });
    clearInterval(sampler);
    expect(overlap).toBe(false);
  });

  it('orphans ReplicaSets on delete with propagationPolicy=Orphan; a re-created Deployment adopts them', async () => {
    await call('POST', DEPLOY, deployment('orphan', 'shop/orphan:v1'));
    const [before] = await until('a ReplicaSet', async () =>
      (await rsOf('orphan')).length === 1 ? rsOf('orphan') : undefined,
    );
    const gone = await call('DELETE', `${DEPLOY}/orphan`, { propagationPolicy: 'Orphan' });
    expect(gone.body).toMatchObject({
      kind: 'Status',
      status: 'Success',
      details: { name: 'orphan', group: 'apps', kind: 'deployments' },
    });
    const [orphaned] = await rsOf('orphan');
    expect(orphaned?.metadata.ownerReferences).toBeUndefined();
    await call('POST', DEPLOY, deployment('orphan', 'shop/orphan:v1'));
    const adopted = await until('adoption', async () => {
      const list = await rsOf('orphan');
      return list[0]?.metadata.ownerReferences?.[0]?.kind === 'Deployment' ? list : undefined;
    });
    expect(adopted.map((rs) => rs.metadata.name)).toEqual([before!.metadata.name]);
  });

  it('serves the scale subresource and refuses a stale resourceVersion on it', async () => {
    const scale = (await call('GET', `${DEPLOY}/api/scale`)).body;
    expect(scale).toMatchObject({
      kind: 'Scale',
      apiVersion: 'autoscaling/v1',
      spec: { replicas: 3 },
      status: { selector: 'app=api' },
    });
    const patched = await call(
      'PATCH',
      `${DEPLOY}/api/scale`,
      { spec: { replicas: 1 } },
      'application/merge-patch+json',
    );
    expect(patched.body.spec.replicas).toBe(1);
    const stale = await call('PUT', `${DEPLOY}/api/scale`, { ...scale, spec: { replicas: 5 } });
    expect(stale.status).toBe(409);
    expect((await call('GET', `${DEPLOY}/api`)).body.spec.replicas).toBe(1);
  });
});
