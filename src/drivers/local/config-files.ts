/**
 * The runbook's "cp .env.backup .env; npm restart", done per release: the
 * service's `configFiles` (relative to its cwd, templates filled) are read when a
 * release is deployed and written back before a rollback starts it. A file that
 * did not exist is removed again. Writes go through a temporary file and a
 * rename, so a reader never sees half a file.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ConfigFile, Release } from '../../core/model.js';
import type { Driver } from '../../core/ports/driver.js';
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
  return putBackFiles(files, (file) => resolveFile(baseDir, service, release, file), release.revision);
}

/**
 * Writes each kept file where `locate` says it lives, unless it is already as
 * kept (owner-only when asked); a file that did not exist is removed. Resolves a line per file.
 */
export function putBackFiles(
  files: ConfigFile[],
  locate: (file: string) => string,
  revision: number,
  ownerOnly = false,
): string[] {
  const modes = ownerOnly ? { dir: 0o700, file: 0o600 } : {};
  const done: string[] = [];
  for (const file of files) {
    const full = locate(file.path);
    if (file.content === null) {
      rmSync(full, { force: true });
      done.push(`${file.path} removed (it did not exist for revision ${revision})`);
      continue;
    }
    const same = existsSync(full) && readFileSync(full, 'utf8') === file.content;
    if (same) {
      done.push(`${file.path} already as deployed`);
      continue;
    }
    mkdirSync(path.dirname(full), { recursive: true, ...(modes.dir ? { mode: modes.dir } : {}) });
    const temporary = `${full}.rewind-${process.pid}.tmp`;
    writeFileSync(temporary, file.content, modes.file ? { mode: modes.file } : {});
    renameSync(temporary, full);
    done.push(`${file.path} put back (${Buffer.byteLength(file.content)} bytes)`);
  }
  return done;
}

/** The driver's `readConfigFiles` / `writeConfigFiles`, for the service options of each release. */
export function configFileMethods(
  baseDir: string,
  serviceOf: (release: Release) => LocalServiceOptions,
): Required<Pick<Driver, 'readConfigFiles' | 'writeConfigFiles'>> {
  return {
    readConfigFiles: async (release) => readConfigFiles(baseDir, serviceOf(release), release),
    async writeConfigFiles(release, files, call = {}) {
      const lines = writeConfigFiles(baseDir, serviceOf(release), release, files);
      for (const line of lines) call.log?.(line);
      return lines.join('\n') || 'no config files';
    },
  };
}
