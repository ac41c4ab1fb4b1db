import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { missingPart } from '../harness/free-port.js';
import type { KubeSim } from '../../src/sim/kubernetes/index.js';
import { startKubeSim } from '../../src/sim/kubernetes/index.js';

/** Debian's real kubectl (package kubernetes-client); `REWIND_TEST_KUBECTL` overrides. */
export const KUBECTL = process.env.REWIND_TEST_KUBECTL ?? '/usr/bin/kubectl';

/** True when kubectl is present; otherwise fails in CI and skips loudly elsewhere. */
export function haveKubectl(): boolean {
  if (existsSync(KUBECTL)) return true;
  missingPart(`kubectl (${KUBECTL}; apt-get install -y kubernetes-client)`);
  return false;
}

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface SimCluster {
  sim: KubeSim;
  dir: string;
  kubeconfig: string;
  /** runs the real kubectl against the simulator (async: the simulator runs in this process) */
  kubectl(args: string[], input?: string): Promise<Run>;
  /** kubectl that must succeed; returns stdout */
  ok(args: string[], input?: string): Promise<string>;
  json<T = Record<string, unknown>>(args: string[]): Promise<T>;
  stop(): Promise<void>;
}

export async function startCluster(namespace = 'default'): Promise<SimCluster> {
  const sim = await startKubeSim();
  const dir = mkdtempSync(join(tmpdir(), 'kube-sim-'));
  const kubeconfig = join(dir, 'kubeconfig');
  await sim.writeKubeconfig(kubeconfig, namespace);
  const kubectl = (args: string[], input?: string) =>
    new Promise<Run>((resolve, reject) => {
      const child = spawn(KUBECTL, args, {
        env: { ...process.env, KUBECONFIG: kubeconfig, HOME: dir },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout, stderr }));
      child.stdin.end(input ?? '');
    });
  const ok = async (args: string[], input?: string) => {
    const r = await kubectl(args, input);
    if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
    return r.stdout;
  };
  return {
    sim,
    dir,
    kubeconfig,
    kubectl,
    ok,
    json: async <T>(args: string[]) => JSON.parse(await ok([...args, '-o', 'json'])) as T,
    stop: async () => {
      await sim.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Rows of a kubectl table as words, blank lines dropped (column widths are tabwriter's business). */
export function rows(text: string): string[][] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .map((l) => l.split(/\s{2,}|\t/));
}

export async function until<T>(
  what: string,
  probe: () => Promise<T | undefined | false>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export function deploymentYaml(
  name: string,
  image: string,
  extra: { replicas?: number; progressDeadlineSeconds?: number; labels?: Record<string, string> } = {},
): string {
  const labels = extra.labels ?? { app: name };
  const labelLines = Object.entries(labels).map(([k, v]) => `      ${k}: ${v}`);
  return [
    'apiVersion: apps/v1',
    'kind: Deployment',
    'metadata:',
    `  name: ${name}`,
    'spec:',
    `  replicas: ${extra.replicas ?? 2}`,
    ...(extra.progressDeadlineSeconds ? [`  progressDeadlineSeconds: ${extra.progressDeadlineSeconds}`] : []),
    '  selector:',
    '    matchLabels:',
    ...labelLines,
    '  template:',
    '    metadata:',
    '      labels:',
    ...labelLines.map((l) => `  ${l}`),
    '    spec:',
    '      containers:',
    `      - name: ${name}`,
    `        image: ${image}`,
    '        ports:',
    '        - containerPort: 8080',
    '',
  ].join('\n');
}
