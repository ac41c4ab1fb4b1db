import { ExitCode, UserError } from '../../core/errors.js';
import type { ConfigFile, Release } from '../../core/model.js';
import type { AppContext } from '../context.js';
import { resolveEnvironment, serviceConfig } from '../context.js';
import { maskLine } from './mask.js';

export interface FileDiff {
  path: string;
  change: 'unchanged' | 'changed' | 'added' | 'removed';
  /** unified-style lines: "-old", "+new", " same"; secret-looking values masked */
  lines: string[];
}

export interface ConfigDiff {
  service: string;
  environment: string;
  from: { revision: number; version: string };
  to: { revision: number; version: string };
  files: FileDiff[];
}

/** `rewind config diff web --from 1 --to 2`: what changed in the config files between two releases. */
export async function configDiff(
  ctx: AppContext,
  service: string,
  environment: string | undefined,
  fromRevision: number,
  toRevision: number,
): Promise<ConfigDiff> {
  serviceConfig(ctx, service);
  const env = resolveEnvironment(ctx, service, environment);
  const from = await releaseOf(ctx, service, env, fromRevision);
  const to = await releaseOf(ctx, service, env, toRevision);
  const [a, b] = [await ctx.store.configFiles(from.id), await ctx.store.configFiles(to.id)];
  if (a.length === 0 && b.length === 0)
    throw new UserError(
      'NO_CONFIG_SNAPSHOT',
      `no config files were kept for ${service} r${fromRevision} or r${toRevision}; list them in services.${service}.driver.configFiles`,
      { status: 404, exitCode: ExitCode.failed },
    );
  const paths = [...new Set([...a, ...b].map((f) => f.path))];
  const show = (text: string): string => ctx.redact(maskLine(text));
  return {
    service,
    environment: env,
    from: { revision: from.revision, version: from.version },
    to: { revision: to.revision, version: to.version },
    files: paths.map((path) => fileDiff(path, find(a, path), find(b, path), show)),
  };
}

const find = (files: ConfigFile[], path: string): string | null => files.find((f) => f.path === path)?.content ?? null;

async function releaseOf(ctx: AppContext, service: string, env: string, revision: number): Promise<Release> {
  const release = await ctx.store.getRelease(service, env, revision);
  if (!release)
    throw new UserError('NOT_FOUND', `${service} in ${env} has no revision ${revision}`, {
      status: 404,
      exitCode: ExitCode.failed,
    });
  return release;
}

function fileDiff(path: string, before: string | null, after: string | null, show: (line: string) => string): FileDiff {
  if (before === null && after === null) return { path, change: 'unchanged', lines: [] };
  if (before === null) return { path, change: 'added', lines: split(after).map((l) => `+${show(l)}`) };
  if (after === null) return { path, change: 'removed', lines: split(before).map((l) => `-${show(l)}`) };
  if (before === after) return { path, change: 'unchanged', lines: [] };
  return { path, change: 'changed', lines: lineDiff(split(before), split(after)).map(([op, l]) => `${op}${show(l)}`) };
}

const split = (text: string | null): string[] => (text ?? '').replace(/\n$/, '').split('\n');

/** A line diff by longest common subsequence (config files are small). */
function lineDiff(a: string[], b: string[]): ['-' | '+' | ' ', string][] {
  const n = a.length;
  const m = b.length;
  const lcs: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i -= 1)
    for (let j = m - 1; j >= 0; j -= 1)
      lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
  const out: ['-' | '+' | ' ', string][] = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (a[i] === b[j]) {
      out.push([' ', a[i]!]);
      i += 1;
      j += 1;
    } else if (lcs[i + 1]![j]! >= lcs[i]![j + 1]!) out.push(['-', a[i++]!]);
    else out.push(['+', b[j++]!]);
  }
  while (i < n) out.push(['-', a[i++]!]);
  while (j < m) out.push(['+', b[j++]!]);
  return out;
}
