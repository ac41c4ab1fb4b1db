/**
 * `rewind policy shadow`: what the shadow triggers (and shadow alert mappings)
 * would have done, release by release, beside what really happened — so a new
 * trigger can be tried on real releases before it is allowed to act.
 */
import type { RewindEvent } from '../../core/model.js';
import type { Store } from '../../core/ports/store.js';

export interface ShadowRow {
  service: string;
  environment: string;
  revision: number | null;
  version: string | null;
  trigger: string;
  metric: string;
  severity: string;
  firedAt: number;
  /** what happened to the release: its status now and the rollback from it, if any */
  releaseStatus: string | null;
  rollbackId: string | null;
  /** the triggers that acted on the release (really fired), for comparison */
  realTriggers: string[];
}

async function page(store: Store, types: string[], since: number): Promise<RewindEvent[]> {
  const out: RewindEvent[] = [];
  let afterId = 0;
  for (;;) {
    const batch = await store.listEvents({ types, afterId, limit: 1000 });
    out.push(...batch.filter((e) => e.at >= since));
    if (batch.length < 1000) return out;
    afterId = batch.at(-1)?.id ?? afterId;
  }
}

export async function shadowReport(store: Store, since: number): Promise<ShadowRow[]> {
  const shadows = await page(store, ['trigger.shadow-fired'], since);
  const real = await page(store, ['trigger.fired'], since);
  const rows: ShadowRow[] = [];
  for (const event of shadows) {
    const service = event.service ?? '';
    const environment = event.environment ?? '';
    const release = event.revision === null ? null : await store.getRelease(service, environment, event.revision);
    const rollback = release
      ? ((await store.listRollbacks({ service, environment, limit: 1000 })).find(
          (r) => r.fromRevision === release.revision && r.kind !== 'drill',
        ) ?? null)
      : null;
    rows.push({
      service,
      environment,
      revision: event.revision,
      version: release?.version ?? null,
      trigger: String(event.data.trigger ?? ''),
      metric: String(event.data.metric ?? ''),
      severity: String(event.data.severity ?? ''),
      firedAt: event.at,
      releaseStatus: release?.status ?? null,
      rollbackId: rollback?.id ?? null,
      realTriggers: [
        ...new Set(
          real
            .filter((e) => e.service === service && e.environment === environment && e.revision === event.revision)
            .map((e) => String(e.data.trigger ?? '')),
        ),
      ],
    });
  }
  return rows;
}
