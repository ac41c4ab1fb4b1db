import type { ActiveFreeze } from '../../core/freeze-windows.js';
import type { RewindEvent } from '../../core/model.js';
import type { AppContext } from '../context.js';
import type { DeliveryPoint, SeriesQuery } from '../stats/delivery-series.js';
import { deliverySeries } from '../stats/delivery-series.js';
import type { DeliveryStats, StatsQuery } from '../stats/delivery-stats.js';
import { deliveryStats } from '../stats/delivery-stats.js';
import type { FreezeRequest } from './freezes.js';
import { activeFreezes, endFreeze, startFreeze } from './freezes.js';
import type { GateAnswer, GateQuery } from './gate.js';
import { gate } from './gate.js';
import type { LiftRequest, QuarantineEntry } from './quarantine.js';
import { liftQuarantine, listQuarantine } from './quarantine.js';

export interface FrozenService {
  service: string;
  environment: string;
  freezes: ActiveFreeze[];
}

/**
 * What keeps a bad change from coming back and a frozen environment still: the
 * deploy gate, quarantines, freezes, and the delivery figures built from the
 * same records. Served by the controller and run in-process alike.
 */
export interface GateApi {
  gate(query: GateQuery): Promise<GateAnswer>;
  quarantine(query: { service?: string; environment?: string }): Promise<QuarantineEntry[]>;
  lift(request: LiftRequest): Promise<QuarantineEntry>;
  freezes(query: { service?: string; environment?: string }): Promise<FrozenService[]>;
  startFreeze(request: FreezeRequest): Promise<RewindEvent>;
  endFreeze(request: FreezeRequest): Promise<RewindEvent[]>;
  stats(query: StatsQuery): Promise<{ since: number; until: number; services: DeliveryStats[] }>;
  /** the same figures bucket by bucket, oldest first (the dashboard's charts) */
  statsSeries(query: SeriesQuery): Promise<{ bucketMs: number; points: DeliveryPoint[] }>;
}

async function frozenServices(
  ctx: AppContext,
  query: { service?: string; environment?: string },
): Promise<FrozenService[]> {
  const config = ctx.loaded.config;
  const out: FrozenService[] = [];
  for (const service of query.service ? [query.service] : Object.keys(config.services)) {
    for (const environment of config.services[service]?.environments ?? Object.keys(config.environments)) {
      if (query.environment && environment !== query.environment) continue;
      const freezes = await activeFreezes(ctx, service, environment);
      if (freezes.length) out.push({ service, environment, freezes });
    }
  }
  return out;
}

export function createGateApi(ctx: AppContext): GateApi {
  return {
    gate: (query) => gate(ctx, query),
    quarantine: (query) => listQuarantine(ctx, query),
    lift: (request) => liftQuarantine(ctx, request),
    freezes: (query) => frozenServices(ctx, query),
    startFreeze: (request) => startFreeze(ctx, request),
    endFreeze: (request) => endFreeze(ctx, request),
    stats: (query) => deliveryStats(ctx, query),
    statsSeries: (query) => deliverySeries(ctx, query),
  };
}
