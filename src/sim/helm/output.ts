import type { Release } from './release-storage.js';

/** `helm history -o json` rows (pkg/cmd/history.go releaseInfo). */
export function historyJson(releases: Release[]): unknown[] {
  return releases.map((r) => ({
    revision: r.version,
    updated: r.info.last_deployed,
    status: r.info.status,
    chart: `${r.chart.metadata.name}-${r.chart.metadata.version}`,
    app_version: r.chart.metadata.appVersion ?? '',
    description: r.info.description,
  }));
}

/** Go's `time.Time.String()` form helm list prints: `2006-01-02 15:04:05.999999999 +0000 UTC`. */
function goTime(iso: string): string {
  const d = new Date(iso);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  const frac = String(d.getUTCMilliseconds()).padStart(3, '0').replace(/0+$/, '');
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}${frac ? `.${frac}` : ''} +0000 UTC`;
}

/** `helm list -o json` rows: the latest revision of each release, revision as a string. */
export function listJson(releases: Release[]): unknown[] {
  const latest = new Map<string, Release>();
  for (const r of releases) if ((latest.get(r.name)?.version ?? 0) < r.version) latest.set(r.name, r);
  return [...latest.values()]
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((r) => ({
      name: r.name,
      namespace: r.namespace,
      revision: String(r.version),
      updated: goTime(r.info.last_deployed),
      status: r.info.status,
      chart: `${r.chart.metadata.name}-${r.chart.metadata.version}`,
      app_version: r.chart.metadata.appVersion ?? '',
    }));
}

export function historyTable(releases: Release[]): string {
  const rows = [['REVISION', 'UPDATED', 'STATUS', 'CHART', 'APP VERSION', 'DESCRIPTION']];
  for (const h of historyJson(releases) as Record<string, string | number>[]) {
    rows.push([
      String(h.revision),
      new Date(String(h.updated)).toUTCString(),
      String(h.status),
      String(h.chart),
      String(h.app_version),
      String(h.description),
    ]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return (
    rows
      .map((r) =>
        r
          .map((c, i) => c.padEnd(widths[i]!))
          .join('\t')
          .trimEnd(),
      )
      .join('\n') + '\n'
  );
}

/** The summary helm prints after install, upgrade and for `helm status`. */
export function summary(r: Release): string {
  return [
    `NAME: ${r.name}`,
    `LAST DEPLOYED: ${new Date(r.info.last_deployed).toUTCString()}`,
    `NAMESPACE: ${r.namespace}`,
    `STATUS: ${r.info.status}`,
    `REVISION: ${r.version}`,
    'TEST SUITE: None',
    '',
  ].join('\n');
}
