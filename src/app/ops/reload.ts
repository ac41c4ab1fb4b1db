/**
 * `rewind reload`, a changed rewind.yaml noticed by `rewind serve`, or SIGHUP:
 * read the file, check it, show what changed, apply at once what can change
 * while the controller runs and name what needs a restart. A file with errors
 * changes nothing. Every reload that changed something is a `config.reloaded`
 * event naming who asked and the diff (the audit log).
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { checkConfig } from '../../config/load.js';
import { formatIssue } from '../../config/issues.js';
import { ExitCode, UserError } from '../../core/errors.js';
import { collectSecrets } from '../../core/redact.js';
import type { Actor, AppContext } from '../context.js';
import type { ConfigChange } from './config-changes.js';
import { applicableConfig, changeLines, configChanges } from './config-changes.js';

/** What the controller runs: shown by `GET /v1/config`, compared by the CLI with the file it read. */
export interface RunningConfig {
  /** the file as the controller was started with it */
  file: string;
  /** sha256 of the text it runs (the last reload that applied, or the start) */
  hash: string;
  /** when the controller read that text, epoch ms */
  loadedAt: number;
  /** changes in the file that wait for a restart of `rewind serve` */
  pending: ConfigChange[];
  /** the last reload that changed something: who, when, and its diff lines */
  last: { by: string; via: string; at: number; lines: string[] } | null;
}

export interface ReloadResult extends RunningConfig {
  /** false when the file had nothing new */
  changed: boolean;
  changes: ConfigChange[];
  /** the diff as lines, `!` marking what needs a restart */
  lines: string[];
}

type Applied = (changes: ConfigChange[]) => Promise<void> | void;
const states = new WeakMap<object, { running: RunningConfig; seen: string; listeners: Set<Applied> }>();

export const configPath = (ctx: AppContext): string => resolve(ctx.loaded.baseDir, basename(ctx.loaded.file));
export const hashText = (text: string): string => createHash('sha256').update(text).digest('hex');

function stateOf(ctx: AppContext) {
  let state = states.get(ctx.root);
  if (!state) {
    let text = '';
    try {
      text = readFileSync(configPath(ctx), 'utf8');
    } catch {
      // the file went away since the start: the next reload says so
    }
    const hash = hashText(text);
    state = {
      running: { file: ctx.loaded.file, hash, loadedAt: ctx.clock.now(), pending: [], last: null },
      seen: hash,
      listeners: new Set(),
    };
    states.set(ctx.root, state);
  }
  return state;
}

/** Remembers the text the controller starts with; call once at start. */
export const runningConfig = (ctx: AppContext): RunningConfig => stateOf(ctx).running;

/** Work to redo when a reload applied changes (e.g. notification routes); returns the unsubscribe. */
export function onConfigApplied(ctx: AppContext, listener: Applied): () => void {
  const { listeners } = stateOf(ctx);
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export async function reloadConfig(ctx: AppContext, request: { actor: Actor; via: string }): Promise<ReloadResult> {
  const state = stateOf(ctx);
  const path = configPath(ctx);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw refused(
      `cannot read ${ctx.loaded.file}: ${(error as Error).message}; nothing was changed`,
      'CONFIG_NOT_FOUND',
    );
  }
  const checked = checkConfig(ctx.loaded.file, text, process.env, ctx.loaded.baseDir);
  const errors = checked.issues.filter((i) => i.severity === 'error');
  if (!checked.config || errors.length > 0) {
    const message = `${ctx.loaded.file} has ${errors.length} error${errors.length === 1 ? '' : 's'}; nothing was changed:\n${errors.map(formatIssue).join('\n')}`;
    await ctx.emit({
      type: 'config.reload-refused',
      actor: request.actor.name,
      message: `${request.via}: ${message}`,
      data: { via: request.via, errors: errors.map(formatIssue) },
    });
    throw refused(message, 'CONFIG_INVALID', { issues: errors });
  }
  // values new to this file are masked everywhere from now on, before anything shows them
  ctx.redact.add(...collectSecrets(checked.config), ...checked.interpolated);
  const changes = configChanges(ctx.loaded.config, checked.config);
  const hash = hashText(text);
  const lines = changeLines(changes);
  const live = changes.filter((c) => !c.needsRestart);
  const pending = changes.filter((c) => c.needsRestart);
  if (live.length > 0) {
    ctx.loaded.config = applicableConfig(ctx.loaded.config, checked.config, changes);
    ctx.loaded.warnings = checked.issues;
    ctx.loaded.interpolated = [...new Set([...ctx.loaded.interpolated, ...checked.interpolated])];
    state.running = { ...state.running, hash, loadedAt: ctx.clock.now(), pending };
    for (const listener of state.listeners) await Promise.resolve(listener(live)).catch(() => undefined);
  } else {
    state.running = { ...state.running, pending };
  }
  // the same text seen again (an editor saving twice) is recorded once
  const fresh = hash !== state.seen;
  state.seen = hash;
  if (changes.length > 0 && (fresh || live.length > 0)) {
    state.running.last = { by: request.actor.name, via: request.via, at: ctx.clock.now(), lines };
    await ctx.emit({
      type: 'config.reloaded',
      actor: request.actor.name,
      message: `${request.via}: ${live.length} change${live.length === 1 ? '' : 's'} of ${ctx.loaded.file} applied${pending.length ? `, ${pending.length} wait${pending.length === 1 ? 's' : ''} for a restart` : ''}\n${lines.join('\n')}`,
      data: { via: request.via, hash, changes: live, pending },
    });
  }
  return { ...state.running, changed: changes.length > 0, changes, lines };
}

/** When the file was last changed on disk, epoch ms, or null when it cannot be read. */
export function fileChangedAt(path: string): number | null {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return null;
  }
}

const refused = (message: string, code: string, details?: Record<string, unknown>) =>
  new UserError(code, message, { status: 400, exitCode: ExitCode.usage, ...(details ? { details } : {}) });
