/**
 * The simulated helm (bin/sim/helm, run from dist/) against the simulated
 * API server. Expected values come from Helm 3's source: descriptions
 * "Install complete" / "Upgrade complete" / "Rollback to N" /
 * `Upgrade "<name>" failed: <err>`, the Secret driver's name, type and labels,
 * and the gzip+base64 release encoding.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Run, SimCluster } from './kubectl.js';
import { haveKubectl, startCluster } from './kubectl.js';

const HELM_DIR = resolve(import.meta.dirname, '../../bin/sim');

interface HistoryRow {
  revision: number;
  status: string;
  chart: string;
  app_version: string;
  description: string;
  updated: string;
}

interface SecretObj {
  type: string;
  metadata: { name: string; labels: Record<string, string> };
  data: { release: string };
}

describe.runIf(haveKubectl())('simulated helm: releases as Helm 3 Secrets in the simulated API server', () => {
  let c: SimCluster;
  const helm = (args: string[]) =>
    new Promise<Run>((done, fail) => {
      const child = spawn('helm', args, {
        env: { ...process.env, PATH: `${HELM_DIR}:${process.env.PATH}`, KUBECONFIG: c.kubeconfig },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
      child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
      child.on('error', fail);
      child.on('close', (code) => done({ code, stdout, stderr }));
    });
  const history = async () => JSON.parse((await helm(['history', 'shop', '-o', 'json'])).stdout) as HistoryRow[];
  const secrets = async () => {
    const res = await fetch(`${c.sim.url}/api/v1/namespaces/default/secrets?labelSelector=owner%3Dhelm,name%3Dshop`);
    return ((await res.json()) as { items: SecretObj[] }).items;
  };
  const image = async () => {
    const res = await fetch(`${c.sim.url}/apis/apps/v1/namespaces/default/deployments/shop`);
    const d = (await res.json()) as { spec: { template: { spec: { containers: { image: string }[] } } } };
    return d.spec.template.spec.containers[0]?.image;
  };

  beforeAll(async () => {
    c = await startCluster();
  });
  afterAll(async () => {
    await c?.stop();
  });

  it('upgrade --install installs, then upgrades; history -o json and the Secrets read as Helm 3 writes them', async () => {
    const install = await helm([
      'upgrade',
      '--install',
      'shop',
      'builtin/app',
      '--set',
      'image.tag=v1',
      '--wait',
      '--timeout',
      '60s',
    ]);
    expect(install.code).toBe(0);
    expect(install.stdout).toContain('Release "shop" does not exist. Installing it now.');
    expect(install.stdout).toContain('STATUS: deployed\nREVISION: 1\n');
    expect(install.stderr).toContain('SIMULATED');
    const up = await helm([
      'upgrade',
      '--install',
      'shop',
      'builtin/app',
      '--set',
      'image.tag=v2',
      '--wait',
      '--timeout',
      '60s',
    ]);
    expect(up.code).toBe(0);
    expect(up.stdout).toContain('Release "shop" has been upgraded. Happy Helming!');
    expect(await image()).toBe('shop/app:v2');
    const rows = await history();
    expect(
      rows.map(({ revision, status, chart, app_version, description }) => ({
        revision,
        status,
        chart,
        app_version,
        description,
      })),
    ).toEqual([
      { revision: 1, status: 'superseded', chart: 'app-0.1.0', app_version: '1.0.0', description: 'Install complete' },
      { revision: 2, status: 'deployed', chart: 'app-0.1.0', app_version: '1.0.0', description: 'Upgrade complete' },
    ]);
    const stored = (await secrets()).sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
    expect(stored.map((s) => s.metadata.name)).toEqual(['sh.helm.release.v1.shop.v1', 'sh.helm.release.v1.shop.v2']);
    expect(stored.every((s) => s.type === 'helm.sh/release.v1')).toBe(true);
    expect(stored[1]!.metadata.labels).toMatchObject({ name: 'shop', owner: 'helm', status: 'deployed', version: '2' });
    // The Secret's data is base64 (the API's), holding base64 of gzip of the release JSON (Helm's encodeRelease).
    const payload = Buffer.from(Buffer.from(stored[1]!.data.release, 'base64').toString('utf8'), 'base64');
    expect([payload[0], payload[1]]).toEqual([0x1f, 0x8b]);
    const release = JSON.parse(gunzipSync(payload).toString('utf8')) as {
      name: string;
      version: number;
      config: unknown;
      manifest: string;
      info: { status: string };
    };
    expect(release).toMatchObject({
      name: 'shop',
      version: 2,
      config: { image: { tag: 'v2' } },
      info: { status: 'deployed' },
    });
    expect(release.manifest).toContain('image: "shop/app:v2"');
  });

  it('a failed upgrade (crash image never Ready within --timeout) is marked failed; the previous one stays deployed', async () => {
    const failed = await helm([
      'upgrade',
      '--install',
      'shop',
      'builtin/app',
      '--set',
      'image.tag=crash1',
      '--wait',
      '--timeout',
      '3s',
    ]);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain('Error: UPGRADE FAILED: context deadline exceeded');
    const rows = await history();
    expect(rows.map((r) => [r.revision, r.status, r.description])).toEqual([
      [1, 'superseded', 'Install complete'],
      [2, 'deployed', 'Upgrade complete'],
      [3, 'failed', 'Upgrade "shop" failed: context deadline exceeded'],
    ]);
    const status = JSON.parse((await helm(['status', 'shop', '-o', 'json'])).stdout) as {
      version: number;
      info: { status: string };
    };
    expect(status).toMatchObject({ version: 3, info: { status: 'failed' } });
  });

  it('rollback to a revision writes a new revision "Rollback to N" and supersedes the rest', async () => {
    const back = await helm(['rollback', 'shop', '1', '--wait', '--timeout', '60s']);
    expect(back.code).toBe(0);
    expect(back.stdout).toBe('Rollback was a success! Happy Helming!\n');
    expect((await history()).map((r) => [r.revision, r.status, r.description])).toEqual([
      [1, 'superseded', 'Install complete'],
      [2, 'superseded', 'Upgrade complete'],
      [3, 'superseded', 'Upgrade "shop" failed: context deadline exceeded'],
      [4, 'deployed', 'Rollback to 1'],
    ]);
    expect(await image()).toBe('shop/app:v1');
    // The Deployment controller re-used revision 1's ReplicaSet, as after a person's rollback.
    const history4 = await c.ok(['rollout', 'history', 'deployment/shop']);
    expect(
      history4
        .split('\n')
        .filter((l) => /^\d/.test(l))
        .map((l) => l.split(/\s+/)[0]),
    ).toEqual(['2', '3', '4']);
    const list = JSON.parse((await helm(['list', '-o', 'json'])).stdout) as Record<string, string>[];
    expect(list).toEqual([
      {
        name: 'shop',
        namespace: 'default',
        revision: '4',
        updated: expect.stringMatching(/ \+0000 UTC$/),
        status: 'deployed',
        chart: 'app-0.1.0',
        app_version: '1.0.0',
      },
    ]);
    const missing = await helm(['history', 'nothing', '-o', 'json']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('Error: release: not found');
  });

  it('--history-max prunes the oldest revisions; --atomic rolls a failed upgrade back', async () => {
    for (const tag of ['v1', 'v2', 'v3', 'v4']) {
      expect(
        (
          await helm([
            'upgrade',
            '--install',
            'pruned',
            'builtin/app',
            '--set',
            `image.tag=${tag}`,
            '--history-max',
            '2',
          ])
        ).code,
      ).toBe(0);
    }
    const rows = async () =>
      (JSON.parse((await helm(['history', 'pruned', '-o', 'json'])).stdout) as HistoryRow[]).map((r) => [
        r.revision,
        r.status,
        r.description,
      ]);
    expect(await rows()).toEqual([
      [3, 'superseded', 'Upgrade complete'],
      [4, 'deployed', 'Upgrade complete'],
    ]);
    const atomic = await helm([
      'upgrade',
      'pruned',
      'builtin/app',
      '--set',
      'image.tag=crash2',
      '--atomic',
      '--timeout',
      '3s',
    ]);
    expect(atomic.code).toBe(1);
    expect(atomic.stderr).toContain(
      'Error: UPGRADE FAILED: release pruned failed, and has been rolled back due to atomic being set: context deadline exceeded',
    );
    expect(await rows()).toEqual([
      [3, 'superseded', 'Upgrade complete'],
      [4, 'superseded', 'Upgrade complete'],
      [5, 'superseded', 'Upgrade "pruned" failed: context deadline exceeded'],
      [6, 'deployed', 'Rollback to 4'],
    ]);
  });

  it('installs a chart directory with values, --set and the template subset', async () => {
    const chart = join(c.dir, 'chart');
    mkdirSync(join(chart, 'templates'), { recursive: true });
    writeFileSync(join(chart, 'Chart.yaml'), 'apiVersion: v2\nname: cfg\nversion: 1.2.3\nappVersion: "9"\n');
    writeFileSync(join(chart, 'values.yaml'), 'greeting: hello\nmode: a\n');
    writeFileSync(
      join(chart, 'templates', 'cm.yaml'),
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-cfg\ndata:\n  greeting: {{ .Values.greeting | quote }}\n  mode: {{ .Values.mode }}\n',
    );
    const out = await helm(['install', 'cfg', chart, '--set', 'mode=b']);
    expect(out.code).toBe(0);
    const cm = await c.json<{
      data: Record<string, string>;
      metadata: { labels: Record<string, string>; annotations: Record<string, string> };
    }>(['get', 'configmap', 'cfg-cfg']);
    expect(cm.data).toEqual({ greeting: 'hello', mode: 'b' });
    expect(cm.metadata.labels['app.kubernetes.io/managed-by']).toBe('Helm');
    expect(cm.metadata.annotations['meta.helm.sh/release-name']).toBe('cfg');
  });
});
