import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { rollback, upgrade } from './actions.js';
import type { ApplyOptions } from './actions.js';
import { loadChart, mergeValues, setValue } from './chart.js';
import { KubeClient } from './kube-client.js';
import { historyJson, historyTable, listJson, summary } from './output.js';
import { ReleaseStorage } from './release-storage.js';

const VERSION = 'v3.16.0-rewind-sim';

/** Go durations as helm's --timeout takes them: `5m0s`, `90s`, `1m30s`, `500ms`. */
export function parseDuration(text: string): number {
  const units: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1, us: 0.001, µs: 0.001, ns: 0.000001 };
  let total = 0;
  const re = /(\d+(?:\.\d+)?)(ms|us|µs|ns|h|m|s)/g;
  let matched = '';
  for (let m = re.exec(text); m; m = re.exec(text)) {
    total += Number(m[1]) * units[m[2]!]!;
    matched += m[0];
  }
  if (!matched || matched !== text)
    throw new Error(`invalid argument "${text}" for "--timeout" flag: time: invalid duration "${text}"`);
  return total;
}

interface Parsed {
  args: string[];
  flags: Map<string, string[]>;
}

const BOOLEAN = new Set([
  '--wait',
  '--install',
  '-i',
  '--atomic',
  '--all-namespaces',
  '-A',
  '--short',
  '--debug',
  '--force',
]);

function parseArgs(argv: string[]): Parsed {
  const args: string[] = [];
  const flags = new Map<string, string[]>();
  const add = (k: string, v: string) => flags.set(k, [...(flags.get(k) ?? []), v]);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('-') || a === '-') args.push(a);
    else if (a.includes('=') && a.startsWith('--')) add(a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1));
    else if (BOOLEAN.has(a)) add(a, 'true');
    else add(a, argv[++i] ?? '');
  }
  return { args, flags };
}

function flag(p: Parsed, ...names: string[]): string | undefined {
  for (const n of names) {
    const v = p.flags.get(n);
    if (v) return v[v.length - 1];
  }
  return undefined;
}

async function run(argv: string[]): Promise<void> {
  const p = parseArgs(argv);
  const [command, ...rest] = p.args;
  if (command === 'version') {
    console.log(
      flag(p, '--short')
        ? VERSION
        : `version.BuildInfo{Version:"${VERSION}", GitCommit:"simulated", GitTreeState:"clean", GoVersion:"simulated"}`,
    );
    return;
  }
  console.error('helm (SIMULATED): releases are kept as Helm 3 Secrets in the simulated Kubernetes API server');
  const kube = KubeClient.load(flag(p, '--kubeconfig'));
  const namespace = flag(p, '-n', '--namespace') ?? kube.defaultNamespace;
  const storage = new ReleaseStorage(kube, namespace);
  const json = flag(p, '-o', '--output') === 'json';
  const applyOptions: ApplyOptions = {
    wait: flag(p, '--wait', '--atomic') === 'true',
    timeoutMs: parseDuration(flag(p, '--timeout') ?? '5m0s'),
    maxHistory: Number(flag(p, '--history-max') ?? '10'),
  };
  switch (command) {
    case 'history':
    case 'hist': {
      const releases = await storage.history(rest[0] ?? '');
      if (releases.length === 0) throw new Error('release: not found');
      const max = Number(flag(p, '--max') ?? '256');
      const shown = releases.slice(-max);
      process.stdout.write(json ? `${JSON.stringify(historyJson(shown))}\n` : historyTable(shown));
      return;
    }
    case 'status': {
      const releases = await storage.history(rest[0] ?? '');
      const wanted = Number(flag(p, '--revision') ?? '0');
      const release = wanted ? releases.find((r) => r.version === wanted) : releases.at(-1);
      if (!release) throw new Error('release: not found');
      process.stdout.write(json ? `${JSON.stringify(release)}\n` : summary(release));
      return;
    }
    case 'list':
    case 'ls': {
      const releases = await storage.all();
      process.stdout.write(
        json ? `${JSON.stringify(listJson(releases))}\n` : `${JSON.stringify(listJson(releases), null, 2)}\n`,
      );
      return;
    }
    case 'rollback': {
      await rollback(kube, storage, rest[0] ?? '', Number(rest[1] ?? '0'), applyOptions);
      console.log('Rollback was a success! Happy Helming!');
      return;
    }
    case 'install':
    case 'upgrade': {
      const [name, chartRef] = rest;
      if (!name || !chartRef) throw new Error(`"helm ${command}" requires 2 arguments`);
      const installing = command === 'install' || flag(p, '--install', '-i') === 'true';
      const existing = await storage.history(name);
      if (command === 'upgrade' && !installing && existing.length === 0)
        throw new Error(`UPGRADE FAILED: "${name}" has no deployed releases`);
      if (command === 'install' && existing.length > 0)
        throw new Error('INSTALLATION FAILED: cannot re-use a name that is still in use');
      let config: Record<string, unknown> = {};
      for (const file of p.flags.get('-f') ?? p.flags.get('--values') ?? []) {
        config = mergeValues(config, (parse(readFileSync(file, 'utf8')) as Record<string, unknown>) ?? {});
      }
      for (const set of p.flags.get('--set') ?? []) for (const part of set.split(',')) setValue(config, part);
      if (command === 'upgrade' && existing.length === 0)
        console.log(`Release "${name}" does not exist. Installing it now.`);
      let release;
      try {
        release = await upgrade(kube, storage, name, namespace, loadChart(chartRef), config, applyOptions);
      } catch (error) {
        const previous = existing.filter((r) => r.info.status === 'deployed').at(-1);
        if (flag(p, '--atomic') !== 'true' || !previous) throw error;
        // --atomic: roll back to the last deployed revision, as Helm does after a failed upgrade.
        const cause = (error as Error).message.replace(/^UPGRADE FAILED: /, '');
        await rollback(kube, storage, name, previous.version, applyOptions);
        throw new Error(
          `UPGRADE FAILED: release ${name} failed, and has been rolled back due to atomic being set: ${cause}`,
        );
      }
      if (json) process.stdout.write(`${JSON.stringify(release)}\n`);
      else {
        if (command === 'upgrade' && existing.length > 0)
          console.log(`Release "${name}" has been upgraded. Happy Helming!`);
        process.stdout.write(summary(release));
      }
      return;
    }
    default:
      throw new Error(
        `unknown command "${command ?? ''}" for "helm" (the simulated helm knows history, status, list, rollback, upgrade, install, version)`,
      );
  }
}

run(process.argv.slice(2)).catch((error: unknown) => {
  console.error(`Error: ${(error as Error).message}`);
  process.exit(1);
});
