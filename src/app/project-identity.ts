/**
 * One controller, one project. `rewind serve` keeps a project id in its state
 * dir (`project.json`, made once) and reports it on `/healthz` and in the
 * `X-Rewind-Project` header of every answer, so the CLI of another project that
 * happens to call the same address refuses instead of acting on the wrong one.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { LoadedConfig } from '../config/load.js';
import { UserError } from '../core/errors.js';

export interface ProjectIdentity {
  /** `prj_` and 16 hex digits, kept for the life of the state dir */
  id: string;
  /** the absolute path of the rewind.yaml the controller serves */
  config: string;
}

export const PROJECT_HEADER = 'x-rewind-project';
const FILE = 'project.json';

/** The project's identity from its state dir, or null when no controller ever ran on it. */
export function readProjectIdentity(stateDir: string): ProjectIdentity | null {
  try {
    const parsed = JSON.parse(readFileSync(join(stateDir, FILE), 'utf8')) as Partial<ProjectIdentity>;
    return typeof parsed.id === 'string' ? { id: parsed.id, config: String(parsed.config ?? '') } : null;
  } catch {
    return null;
  }
}

/** Reads the identity, or makes it on the first start; the config path is kept current. */
export function ensureProjectIdentity(loaded: LoadedConfig): ProjectIdentity {
  const config = resolve(loaded.file);
  const known = readProjectIdentity(loaded.stateDir);
  if (known && known.config === config) return known;
  const identity = { id: known?.id ?? `prj_${randomBytes(8).toString('hex')}`, config };
  mkdirSync(loaded.stateDir, { recursive: true });
  const tmp = join(loaded.stateDir, `${FILE}.${process.pid}.tmp`);
  writeFileSync(tmp, `${JSON.stringify(identity, null, 2)}\n`);
  renameSync(tmp, join(loaded.stateDir, FILE));
  return identity;
}

/**
 * Refuses a controller that serves another project. `theirs` is what the
 * controller reported (null: an older controller that does not say).
 */
export function assertSameProject(url: string, loaded: LoadedConfig, theirs: ProjectIdentity | null): void {
  if (!theirs) return;
  const mine = readProjectIdentity(loaded.stateDir);
  if (mine?.id === theirs.id) return;
  throw new UserError(
    'OTHER_PROJECT',
    `the controller at ${url} serves another project (${theirs.config}, ${theirs.id}), not ${resolve(loaded.file)}` +
      `${mine ? ` (${mine.id})` : ''} — start this project's controller on another address (controller.listen) or pass --controller`,
    { exitCode: 2 },
  );
}
