import { badRequest } from './api-error.js';
import type { KubeObject, LabelSelector } from './types.js';

/** One requirement of a label selector, in the operators the API server accepts. */
interface Requirement {
  key: string;
  op: 'in' | 'notin' | 'exists' | '!exists' | '=' | '!=';
  values: string[];
}

export type Matcher = (labels: Record<string, string> | undefined) => boolean;

function matches(req: Requirement, labels: Record<string, string>): boolean {
  const has = Object.prototype.hasOwnProperty.call(labels, req.key);
  const value = labels[req.key];
  switch (req.op) {
    case '=':
    case 'in':
      return has && req.values.includes(value ?? '');
    case '!=':
    case 'notin':
      return !has || !req.values.includes(value ?? '');
    case 'exists':
      return has;
    case '!exists':
      return !has;
  }
}

function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of text) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(current);
      current = '';
    } else current += ch;
  }
  if (current.trim()) parts.push(current);
  return parts.map((p) => p.trim()).filter(Boolean);
}

/** Parses the `labelSelector` query string (`app=web,tier in (a,b),!legacy`). */
export function parseLabelSelector(text: string | null | undefined): Matcher {
  if (!text) return () => true;
  const reqs: Requirement[] = splitTopLevel(text).map((part) => {
    const set = /^(\S+)\s+(in|notin)\s+\((.*)\)$/.exec(part);
    if (set) return { key: set[1]!, op: set[2] as 'in', values: set[3]!.split(',').map((v) => v.trim()) };
    const eq = /^([^!=]+?)\s*(==|=|!=)\s*(.*)$/.exec(part);
    if (eq) return { key: eq[1]!, op: eq[2] === '!=' ? '!=' : '=', values: [eq[3]!.trim()] };
    if (part.startsWith('!')) return { key: part.slice(1), op: '!exists', values: [] };
    if (/^[A-Za-z0-9./_-]+$/.test(part)) return { key: part, op: 'exists', values: [] };
    throw badRequest(`unable to parse requirement: ${part}`);
  });
  return (labels) => reqs.every((r) => matches(r, labels ?? {}));
}

/** A structured selector (`matchLabels` + `matchExpressions`) as a matcher; an empty one matches nothing. */
export function selectorMatcher(selector: LabelSelector | undefined): Matcher {
  if (!selector) return () => false;
  const reqs: Requirement[] = Object.entries(selector.matchLabels ?? {}).map(([key, v]) => ({
    key,
    op: '=',
    values: [v],
  }));
  for (const e of selector.matchExpressions ?? []) {
    const op = ({ In: 'in', NotIn: 'notin', Exists: 'exists', DoesNotExist: '!exists' } as const)[e.operator as 'In'];
    reqs.push({ key: e.key, op: op ?? 'in', values: e.values ?? [] });
  }
  if (reqs.length === 0) return () => false;
  return (labels) => reqs.every((r) => matches(r, labels ?? {}));
}

/** `app=web,color=blue`, the form `status.selector` of a scale subresource takes. */
export function selectorString(selector: LabelSelector | undefined): string {
  const parts = Object.entries(selector?.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const e of selector?.matchExpressions ?? []) {
    if (e.operator === 'Exists') parts.push(e.key);
    else if (e.operator === 'DoesNotExist') parts.push(`!${e.key}`);
    else parts.push(`${e.key} ${e.operator.toLowerCase()} (${(e.values ?? []).join(',')})`);
  }
  return parts.join(',');
}

/** The `fieldSelector` subset clients use: metadata.name and metadata.namespace, = and !=. */
export function parseFieldSelector(text: string | null | undefined): (obj: KubeObject) => boolean {
  if (!text) return () => true;
  const reqs = text.split(',').map((part) => {
    const m = /^([^!=]+?)\s*(==|=|!=)\s*(.*)$/.exec(part.trim());
    if (!m) throw badRequest(`invalid selector: '${text}'; can't understand '${part}'`);
    return { field: m[1]!, neg: m[2] === '!=', value: m[3]! };
  });
  return (obj) =>
    reqs.every((r) => {
      const actual =
        r.field === 'metadata.name'
          ? obj.metadata.name
          : r.field === 'metadata.namespace'
            ? obj.metadata.namespace
            : r.field === 'status.phase'
              ? (obj.status as { phase?: string } | undefined)?.phase
              : undefined;
      return r.neg ? actual !== r.value : actual === r.value;
    });
}
