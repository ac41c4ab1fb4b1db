/**
 * A release's config files, mounted read-only. At a release's first start each
 * file is copied into the release's own folder (owner-only) and that copy is
 * bind-mounted at its `mountAt`; every later start of the release — a rollback
 * to it, its containers re-created — mounts the same copy, so the config rolls
 * back with the image even when the file on disk changed since. The copies are
 * what the store keeps at deploy and what a rollback puts back.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { ConfigFile, Release } from '../../core/model.js';
import type { Driver } from '../../core/ports/driver.js';
import { UserError } from '../../core/errors.js';
import { putBackFiles } from '../local/config-files.js';
import type { ReleaseKey } from './labels.js';

/** One entry of `configFiles`: the file as written, where it is on this host, where the container sees it. */
export interface ContainerConfigFile {
  /** as written in rewind.yaml, relative to its folder */
  path: string;
  /** the absolute host path it is copied from at the release's first start */
  source: string;
  /** the absolute path inside the container */
  mountAt: string;
}

export interface ConfigMounts {
  /** the release's own folder of copies; needed only when files are declared */
  dirOf?: (release: ReleaseKey) => string;
}

const copyAt = (dir: string, file: ContainerConfigFile): string => path.join(dir, file.mountAt);

function dirFor(parts: ConfigMounts, release: ReleaseKey): string {
  if (!parts.dirOf)
    throw new UserError('CONFIG_DIR_UNSET', 'the container driver has no folder for config file copies');
  return parts.dirOf(release);
}

/** Copies the files a release has no copy of yet; a missing file fails the start, naming it. */
function keepCopies(dir: string, files: ContainerConfigFile[], release: ReleaseKey): void {
  const missing = files.filter((f) => !existsSync(copyAt(dir, f)));
  const absent = missing.find((f) => !existsSync(f.source));
  if (absent)
    throw new UserError(
      'CONFIG_FILE_MISSING',
      `services.${release.service}.driver.configFiles: ${absent.path} does not exist (${absent.source}); nothing was started`,
    );
  const fresh = missing.map((f) => ({ path: f.path, content: readFileSync(f.source, 'utf8') }));
  const byPath = new Map(missing.map((f) => [f.path, copyAt(dir, f)]));
  putBackFiles(fresh, (p) => byPath.get(p) ?? '', release.revision, true);
}

/** The read-only binds of a release's containers; `copy` makes the copies it lacks first. */
export function configBinds(
  parts: ConfigMounts,
  files: ContainerConfigFile[],
  release: ReleaseKey,
  copy: boolean,
): { host: string; container: string }[] {
  if (files.length === 0) return [];
  const dir = dirFor(parts, release);
  if (copy) keepCopies(dir, files, release);
  return files.map((f) => ({ host: copyAt(dir, f), container: f.mountAt }));
}

/** At deploy: the release's copies (made now), for the store. */
export function readKeptFiles(parts: ConfigMounts, files: ContainerConfigFile[], release: ReleaseKey): ConfigFile[] {
  configBinds(parts, files, release, true);
  const dir = dirFor(parts, release);
  return files.map((f) => ({ path: f.path, content: readFileSync(copyAt(dir, f), 'utf8') }));
}

/** Before a rollback starts the target: its copies as the store kept them. */
export function putBackKept(
  parts: ConfigMounts,
  files: ContainerConfigFile[],
  release: ReleaseKey,
  kept: ConfigFile[],
): string[] {
  if (kept.length === 0) return [];
  const dir = dirFor(parts, release);
  const byPath = new Map(files.map((f) => [f.path, copyAt(dir, f)]));
  const known = kept.filter((f) => byPath.has(f.path));
  const lines = putBackFiles(known, (p) => byPath.get(p) ?? '', release.revision, true);
  for (const f of kept) if (!byPath.has(f.path)) lines.push(`${f.path} is no longer in configFiles: not mounted`);
  return lines;
}

/** The driver's `readConfigFiles` / `writeConfigFiles` over the copies, for the files of each release's service. */
export function keptFileMethods(
  parts: ConfigMounts,
  filesOf: (release: Release) => ContainerConfigFile[],
): Required<Pick<Driver, 'readConfigFiles' | 'writeConfigFiles'>> {
  return {
    readConfigFiles: async (release) => readKeptFiles(parts, filesOf(release), release),
    async writeConfigFiles(release, files, call = {}) {
      const lines = putBackKept(parts, filesOf(release), release, files);
      for (const line of lines) call.log?.(line);
      return lines.join('\n') || 'no config files';
    },
  };
}
