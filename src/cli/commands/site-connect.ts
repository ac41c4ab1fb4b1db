import { closeContext, composeContext } from '../../app/compose.js';
import type { Actor } from '../../app/context.js';
import { holdLeaseForCli } from '../../app/lease.js';
import { rollbackDetail } from '../../app/queries.js';
import { createReportWriter, startNotifications } from '../../app/record/index.js';
import { createSiteApi, type SiteApi } from '../../app/sites/site-api.js';
import { failoverEnvironment } from '../../app/sites/site-config.js';
import { loadConfig, type LoadedConfig } from '../../config/load.js';
import type { RollbackDetail } from '../../core/model.js';
import { controllerUrl, inProcessActor } from '../connect.js';
import { resolveToken } from '../credentials.js';
import { createHttpCall } from '../http-call.js';
import { controllerReachable } from '../http-client.js';
import { masked } from '../masked.js';
import type { GlobalOptions } from '../options.js';

export interface SiteConnection {
  api: SiteApi;
  rollback(id: string): Promise<RollbackDetail>;
  actor: Actor;
  loaded: LoadedConfig;
  /** the environment a failover acts on, sent so the controller authorizes the caller on it */
  environment: string;
  mode: 'controller' | 'in-process';
  close(): Promise<void>;
}

/**
 * The controller when one answers (it resumes the plan if it crashes), otherwise
 * the same use case in this process under the controller lease, waiting for the
 * plan to end.
 */
export async function connectSites(options: GlobalOptions): Promise<SiteConnection> {
  const loaded = loadConfig(options.config);
  const url = controllerUrl(options, loaded);
  const environment = failoverEnvironment(loaded.config);
  if (await controllerReachable(url)) {
    const call = createHttpCall(url, resolveToken(options, loaded));
    const api: SiteApi = {
      failover: ({ actor: _actor, ...body }) => call('POST', '/v1/failover', body),
      failback: ({ actor: _actor, ...body }) => call('POST', '/v1/failback', body),
    };
    const rollback = (id: string) => call<RollbackDetail>('GET', `/v1/rollbacks/${encodeURIComponent(id)}`);
    return {
      api,
      rollback,
      actor: { name: 'controller' },
      loaded,
      environment,
      mode: 'controller',
      close: async () => {},
    };
  }
  const ctx = composeContext(loaded, { owner: false });
  try {
    const actor = await inProcessActor(ctx, options, loaded);
    const inner = createSiteApi(ctx);
    // no controller records this switch: this process tells the channels and writes the report itself
    startNotifications(ctx);
    const writer = createReportWriter(ctx);
    const unsubscribe = ctx.onEvent((event) => writer.onEvent(event));
    ctx.cleanup.push(async () => {
      unsubscribe();
      await writer.stop();
    });
    const lease = async () => ctx.cleanup.push(await holdLeaseForCli(ctx, url));
    const api: SiteApi = masked(
      {
        failover: async (r) => (r.dryRun ? inner.failover(r) : (await lease(), inner.failover({ ...r, wait: true }))),
        failback: async (r) => (r.dryRun ? inner.failback(r) : (await lease(), inner.failback({ ...r, wait: true }))),
      },
      ctx.redact,
    );
    const rollback = (id: string) => rollbackDetail(ctx, id);
    return { api, rollback, actor, loaded, environment, mode: 'in-process', close: () => closeContext(ctx) };
  } catch (error) {
    await closeContext(ctx);
    throw error;
  }
}
