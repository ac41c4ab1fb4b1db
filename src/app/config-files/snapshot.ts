import { createHash } from 'node:crypto';
import type { Release } from '../../core/model.js';
import type { AppContext } from '../context.js';

/**
 * At deploy: the release's config files as they are now, kept verbatim in the
 * store (a rollback must put back the real values); the event names the files
 * and their checksums only, never their content.
 */
export async function snapshotConfig(ctx: AppContext, release: Release): Promise<void> {
  const driver = ctx.driver(release.service);
  if (!driver.capabilities.configSnapshot || !driver.readConfigFiles) return;
  const files = await driver.readConfigFiles(release);
  if (files.length === 0) return;
  await ctx.store.saveConfigFiles(release.id, files, ctx.clock.now());
  await ctx.emit({
    type: 'config.snapshotted',
    service: release.service,
    environment: release.environment,
    revision: release.revision,
    message: `config of ${release.service} ${release.version} (r${release.revision}) kept: ${files.map((f) => f.path).join(', ')}`,
    data: {
      files: files.map((f) => ({
        path: f.path,
        sha256: f.content === null ? null : createHash('sha256').update(f.content).digest('hex'),
      })),
    },
  });
}

/** True when a rollback to `to` has config files to put back before starting it. */
export async function hasConfigSnapshot(ctx: AppContext, to: Release): Promise<boolean> {
  const driver = ctx.driver(to.service);
  if (!driver.capabilities.configSnapshot || !driver.writeConfigFiles) return false;
  return (await ctx.store.configFiles(to.id)).length > 0;
}
