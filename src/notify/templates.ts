import { formatDuration } from '../core/duration.js';
import type { RewindEvent } from '../core/model.js';
import { DEFAULT_TEMPLATES, TEMPLATE_ALIASES } from './default-templates.js';

/**
 * Message templates. Overrides are plain strings keyed like the
 * defaults: `rollback.completed` (text), `rollback.completed.title` (title),
 * `customer.initiated`, … and the short aliases `initiated`, `completed`,
 * `customer`. Unknown keys are kept (a future event type may use them).
 *
 * Variables (`{{name}}`): `type`, `service`, `environment`, `rollbackId`,
 * `revision`, `actor`, `message`, `at` (ISO time with ms), `time` (HH:MM:SS UTC),
 * every key of the event's data by its own name (`fromVersion`, `toVersion`,
 * `reason`, `approveCommand`, `failedRequests`, `trigger`, `value`, …) and these
 * derived ones: `duration` (from durationMs), `window` (windowMs), `step` (the step
 * title), `stepNumber` (index + 1), `deadline` (ISO), `detectedAfter`,
 * `trafficRestoredAfter`, `measuredDuration`, `targetDuration`. `data.a.b` reads a
 * nested value. A missing variable renders as an empty string; rendering never throws.
 */
export type MessageTemplates = Readonly<Record<string, string>>;

export interface RenderedMessage {
  title: string;
  text: string;
}

/** Extra variables that fill gaps, e.g. the versions from the rollback's initiated event. */
export type TemplateContext = Readonly<Record<string, unknown>>;

const PLACEHOLDER = /\{\{\s*([A-Za-z0-9_.-]+)\s*\}\}/g;

/** Replaces `{{name}}` with `variables[name]`, or with '' when it is missing. */
export function renderTemplate(template: string, variables: Readonly<Record<string, string>>): string {
  return template.replace(PLACEHOLDER, (_match, name: string) => variables[name] ?? '');
}

/** Every variable a template may use for this event (see MessageTemplates). */
export function templateVariables(event: RewindEvent, context: TemplateContext = {}): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const [key, value] of Object.entries(context)) vars[key] = show(value);
  const data = isRecord(event.data) ? event.data : {};
  for (const [key, value] of Object.entries(data)) vars[key] = show(value);
  flatten('data', data, vars, 0);

  vars.type = event.type;
  vars.service = event.service ?? vars.service ?? '';
  vars.environment = event.environment ?? vars.environment ?? '';
  vars.rollbackId = event.rollbackId ?? vars.rollbackId ?? '';
  vars.revision = show(data.revision ?? event.revision ?? vars.revision);
  vars.actor = event.actor ?? '';
  vars.message = event.message ?? '';
  vars.at = isoTime(event.at);
  vars.time = vars.at ? `${vars.at.slice(11, 19)} UTC` : '';

  durationVar(vars, 'duration', data.durationMs);
  durationVar(vars, 'window', data.windowMs);
  durationVar(vars, 'detectedAfter', data.detectedAfterMs);
  durationVar(vars, 'trafficRestoredAfter', data.trafficRestoredAfterMs);
  durationVar(vars, 'measuredDuration', data.measuredMs);
  durationVar(vars, 'targetDuration', data.targetMs);
  if (typeof data.index === 'number') vars.stepNumber = String(data.index + 1);
  if (event.type.startsWith('rollback.step')) vars.step = show(data.title ?? data.name);
  if (typeof data.deadline === 'number') vars.deadline = isoTime(data.deadline);
  return vars;
}

/** Title and text of any event, from the overrides or the built-in defaults. */
export function renderMessage(
  event: RewindEvent,
  templates: MessageTemplates = {},
  context: TemplateContext = {},
): RenderedMessage {
  const known = DEFAULT_TEMPLATES[event.type] !== undefined || pick(templates, event.type) !== undefined;
  const key = known ? event.type : 'default';
  return renderPair(event, templates, context, key);
}

/**
 * The customer-facing message for a status page, or null when the event is not
 * one customers hear about: initiated → "degraded", escalated/failed → "still
 * working", completed → "resolved".
 */
export function renderCustomerMessage(
  event: RewindEvent,
  templates: MessageTemplates = {},
  context: TemplateContext = {},
): RenderedMessage | null {
  const stage = customerStage(event.type);
  return stage ? renderPair(event, templates, context, `customer.${stage}`) : null;
}

export function customerStage(type: string): 'initiated' | 'escalated' | 'completed' | null {
  if (type === 'rollback.initiated') return 'initiated';
  if (type === 'rollback.escalated' || type === 'rollback.failed') return 'escalated';
  if (type === 'rollback.completed') return 'completed';
  return null;
}

function renderPair(
  event: RewindEvent,
  templates: MessageTemplates,
  context: TemplateContext,
  key: string,
): RenderedMessage {
  const vars = templateVariables(event, context);
  const title =
    pick(templates, `${key}.title`) ?? DEFAULT_TEMPLATES[`${key}.title`] ?? DEFAULT_TEMPLATES['default.title'] ?? '';
  const text = pick(templates, key) ?? DEFAULT_TEMPLATES[key] ?? DEFAULT_TEMPLATES.default ?? '';
  return { title: tidy(renderTemplate(title, vars)), text: tidy(renderTemplate(text, vars)) };
}

/** An override under its full key or under its short alias. */
function pick(templates: MessageTemplates, key: string): string | undefined {
  const direct = templates[key];
  if (typeof direct === 'string') return direct;
  for (const [alias, full] of Object.entries(TEMPLATE_ALIASES)) {
    const value = templates[alias];
    if (full === key && typeof value === 'string') return value;
  }
  return undefined;
}

/** Blank variables leave doubled spaces and dangling spaces; close them up. */
function tidy(text: string): string {
  return text
    .replace(/[ \t]{2,}/g, ' ')
    .replace(/ +([.,:;)])/g, '$1')
    .trim();
}

function durationVar(vars: Record<string, string>, name: string, ms: unknown): void {
  if (typeof ms === 'number' && Number.isFinite(ms)) vars[name] = formatDuration(ms);
}

function flatten(prefix: string, value: Record<string, unknown>, vars: Record<string, string>, depth: number): void {
  if (depth > 3) return;
  for (const [key, inner] of Object.entries(value)) {
    vars[`${prefix}.${key}`] = show(inner);
    if (isRecord(inner)) flatten(`${prefix}.${key}`, inner, vars, depth + 1);
  }
}

function show(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return value.map(show).join(', ');
  try {
    return JSON.stringify(value);
  } catch {
    return '';
  }
}

function isoTime(at: unknown): string {
  if (typeof at !== 'number' || !Number.isFinite(at)) return '';
  const date = new Date(at);
  return Number.isNaN(date.getTime()) ? '' : date.toISOString();
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
