/**
 * The helm driver: a service is a Helm release, and a Rewind revision is a Helm
 * revision. A deploy is `helm upgrade --install <release> <chart> --set
 * <versionKey>=<version> --wait`; a rollback is `helm rollback <release> <revision>
 * --wait`, the runbook's own command. Everything goes through the `helm` CLI on
 * PATH, so Helm's own release records (Secrets `sh.helm.release.v1.<name>.v<N>`)
 * stay the truth and `helm history` reads as if a person had done it.
 */
import type { Release } from '../../core/model.js';
import type { Driver, DriverCallOptions, LiveRelease, LiveState } from '../../core/ports/driver.js';
import type { HelmCliOptions } from './helm-cli.js';
import { helmOk, runHelm } from './helm-cli.js';
import { deployedRow, parseHistory, platformRevisions, rolledBackTo } from './history.js';
import type { HistoryRow } from './history.js';

/** Options of the helm driver for one service (config `driver.type: helm`). */
export interface HelmDriverOptions extends HelmCliOptions {
  /** the Helm release name */
  release: string;
  /** chart reference: a directory, `repo/chart` or an OCI URL */
  chart: string;
  /** the value a version sets; default `image.tag` */
  versionKey: string;
  /** more `--set key=value` for every upgrade; default none */
  set: Record<string, string>;
  /** `--timeout` of upgrade and rollback; default 5 min */
  timeoutMs: number;
}

const goDuration = (ms: number): string => `${Math.max(1, Math.ceil(ms / 1000))}s`;

export function createHelmDriver(options: HelmDriverOptions): Driver {
  const deployedVersions = new Map<number, string>();
  const history = async (signal?: AbortSignal): Promise<HistoryRow[]> => {
    const run = await runHelm(options, ['history', options.release, '-o', 'json', '--max', '256'], signal);
    // "Error: release: not found": nothing installed yet
    if (run.code !== 0 && /not found/.test(run.stderr)) return [];
    if (run.code !== 0) throw new Error(`helm history ${options.release} failed: ${run.stderr.trim()}`);
    return parseHistory(run.stdout);
  };
  const answersFor = (rows: HistoryRow[], row: HistoryRow): number[] => {
    const origin = rolledBackTo(rows, row);
    return origin === null ? [row.revision] : [row.revision, origin];
  };
  /** `force`: roll back even when Helm records the target as deployed (a failed upgrade left its manifests applied) */
  const rollback = async (rows: HistoryRow[], to: number, call: DriverCallOptions, force = false): Promise<string> => {
    const current = deployedRow(rows);
    if (!force && current && answersFor(rows, current).includes(to))
      return `helm release ${options.release} already runs revision ${to} (revision ${current.revision})`;
    const args = ['rollback', options.release, String(to), '--wait', '--timeout', goDuration(options.timeoutMs)];
    call.log?.(`helm ${args.join(' ')}`);
    const out = await helmOk(options, args, call.signal);
    return `${out.trim()}\nhelm release ${options.release} rolled back to revision ${to}`;
  };

  return {
    type: 'helm',
    capabilities: { health: true, needsOwner: false, nativeUndo: true, preferNativeUndo: true },
    limits: () => ({ commandMs: options.timeoutMs + 30_000, stopMs: 0 }),

    async describe(service, environment, call): Promise<LiveState> {
      const rows = await history(call?.signal);
      const current = deployedRow(rows);
      const last = rows.at(-1);
      const releases: LiveRelease[] = [];
      for (const row of rows) {
        if (row !== current && row !== last) continue;
        const healthy = row.status === 'deployed';
        for (const revision of answersFor(rows, row))
          releases.push({
            revision,
            version: deployedVersions.get(revision) ?? row.app_version,
            weight: row === current ? 100 : 0,
            ready: healthy ? 1 : 0,
            desired: 1,
            healthy,
          });
      }
      return { service, environment, releases, observed: true, healthy: Boolean(current) };
    },

    async start(release: Release, call: DriverCallOptions = {}) {
      const sets = { ...options.set, [options.versionKey]: release.version };
      const args = [
        'upgrade',
        '--install',
        options.release,
        options.chart,
        ...Object.entries(sets).flatMap(([k, v]) => ['--set', `${k}=${v}`]),
        '--wait',
        '--timeout',
        goDuration(options.timeoutMs),
      ];
      const rows = await history(call.signal);
      const current = deployedRow(rows);
      // a resumed step finds its upgrade already made
      if (current?.revision === release.revision)
        return `helm release ${options.release} is at revision ${release.revision}`;
      call.log?.(`helm ${args.join(' ')}`);
      deployedVersions.set(release.revision, release.version);
      const out = await helmOk(options, args, call.signal);
      return out.trim();
    },

    // Helm replaces the release in place: traffic follows the upgrade
    shiftTraffic: async () => `helm release ${options.release}: traffic follows the upgrade`,

    async retire(release: Release, call: DriverCallOptions = {}) {
      const rows = await history(call.signal);
      const last = rows.at(-1);
      if (!last || last.revision !== release.revision)
        return `helm release ${options.release} no longer runs revision ${release.revision}`;
      // the only way to take a failed or bad upgrade away is to roll back to the revision before it
      // (after a failed upgrade Helm keeps that one `deployed`, yet the cluster runs the failed manifests)
      const previous = [...rows]
        .reverse()
        .find((r) => r.revision < release.revision && (r.status === 'superseded' || r.status === 'deployed'));
      if (!previous) throw new Error(`helm release ${options.release} has no earlier revision to roll back to`);
      return rollback(rows, previous.revision, call, last.status === 'failed');
    },

    async undo(_service, _environment, to: Release, call: DriverCallOptions = {}) {
      return rollback(await history(call.signal), to.revision, call);
    },

    async nextRevision() {
      const rows = await history();
      return (rows.at(-1)?.revision ?? 0) + 1;
    },

    history: async () => platformRevisions(await history(), (revision) => deployedVersions.get(revision) ?? null),
  };
}
