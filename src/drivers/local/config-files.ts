/**
 * The runbook's "cp .env.backup .env; npm restart", done per release: the
 * service's `configFiles` (relative to its cwd, templates filled) are read when a
 * release is deployed and written back before a rollback starts it. A file that
 * did not exist is removed again. Writes go through a temporary file and a
 * rename, so a reader never sees half a file.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ConfigFile } from '../../core/model.js';
import { UserError } from '../../core/errors.js';
import { fillTemplate, type LocalServiceOptions, type ReleaseRef } from './options.js';

function resolveFile(baseDir: string, service: LocalServiceOptions, release: ReleaseRef, file: string): string {
  const vars = {
    version: release.version,
    service: release.service,
    env: release.environment,
    revision: release.revision,
  };
  const cwd = path.resolve(baseDir, fillTemplate(service.cwd ?? '.', vars));
  const full = path.resolve(cwd, file);
  if (full !== cwd && !full.startsWith(`${cwd}${path.sep}`))
    throw new UserError(
      'CONFIG_FILE_OUTSIDE',
      `services.${release.service}.driver.configFiles: "${file}" is outside the service's cwd ${cwd}`,
    );
  return full;
}

export function readConfigFiles(baseDir: string, service: LocalServiceOptions, release: ReleaseRef): ConfigFile[] {
  return (service.configFiles ?? []).map((file) => {
    const full = resolveFile(baseDir, service, release, file);
    return { path: file, content: existsSync(full) ? readFileSync(full, 'utf8') : null };
  });
}

export function writeConfigFiles(
  baseDir: string,
  service: LocalServiceOptions,
  release: ReleaseRef,
  files: ConfigFile[],
): string[] {
  const done: string[] = [];
  for (const file of files) {
    const full = resolveFile(baseDir, service, release, file.path);
    if (file.content === null) {
      rmSync(full, { force: true });
      done.push(`${file.path} removed (it did not exist for revision ${release.revision})`);
      continue;
    }
    const same = existsSync(full) && readFileSync(full, 'utf8') === file.content;
    if (same) {
      done.push(`${file.path} already as deployed`);
      continue;
    }
    mkdirSync(path.dirname(full), { recursive: true });
    const temporary = `${full}.rewind-${process.pid}.tmp`;
    writeFileSync(temporary, file.content);
    renameSync(temporary, full);
    done.push(`${file.path} put back (${Buffer.byteLength(file.content)} bytes)`);
  }
  return done;
}
