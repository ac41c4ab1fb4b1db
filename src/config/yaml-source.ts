import { MIN_SECRET_LENGTH } from '../core/redact.js';
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, visit } from 'yaml';
import type { Document, Node } from 'yaml';

/** A parsed rewind.yaml that still knows where every value came from. */
export interface YamlSource {
  file: string;
  doc: Document;
  lines: LineCounter;
  /** values that came from the environment (for redaction) */
  interpolated: string[];
}

export interface Position {
  line: number;
  column: number;
}

export type Path = (string | number)[];

export interface InterpolationError {
  path: Path;
  variable: string;
  /** set: the variable is set but too short to be masked as a secret (its length) */
  tooShort?: number;
  /** set when the text is not a well-formed `${…}`: what is wrong */
  problem?: string;
}
export function parseYaml(
  file: string,
  text: string,
): { source: YamlSource; syntaxErrors: { position: Position; message: string }[] } {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const syntaxErrors = doc.errors.map((e) => {
    const p = lines.linePos(e.pos[0]);
    return { position: { line: p.line, column: p.col }, message: e.message.split('\n')[0] ?? e.message };
  });
  return { source: { file, doc, lines, interpolated: [] }, syntaxErrors };
}

/**
 * Replaces `${VAR}` and `${VAR:-default}` in string scalars, in place, so line
 * numbers stay those of the file. A default may itself hold `${…}`
 * (`${A:-${B}}`). `$${` is a literal `${`.
 */
export function interpolate(source: YamlSource, env: NodeJS.ProcessEnv): InterpolationError[] {
  const errors: InterpolationError[] = [];
  visit(source.doc, {
    Scalar(_key, node, path) {
      if (typeof node.value !== 'string' || !node.value.includes('${')) return;
      const keyPath = pathOf(path as readonly unknown[], node);
      const expanded = expand(node.value, env, source.interpolated);
      errors.push(...expanded.errors.map((e) => ({ ...e, path: keyPath })));
      node.value = expanded.text;
    },
  });
  return errors;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*/;

/** One pass over the text: `${NAME}`, `${NAME:-default}` with nested defaults, `$${` literal. */
function expand(
  text: string,
  env: NodeJS.ProcessEnv,
  used: string[],
): { text: string; errors: Omit<InterpolationError, 'path'>[] } {
  const errors: Omit<InterpolationError, 'path'>[] = [];
  let out = '';
  let i = 0;
  while (i < text.length) {
    if (text.startsWith('$${', i)) {
      out += '${';
      i += 3;
      continue;
    }
    if (!text.startsWith('${', i)) {
      out += text[i];
      i += 1;
      continue;
    }
    const name = NAME.exec(text.slice(i + 2))?.[0];
    const after = i + 2 + (name?.length ?? 0);
    const close = matchingBrace(text, i + 1);
    if (!name || close < 0 || (text[after] !== '}' && !text.startsWith(':-', after))) {
      errors.push({ variable: name ?? '', problem: `"${text.slice(i)}" is not \${NAME} or \${NAME:-default}` });
      return { text: out, errors };
    }
    const value = env[name];
    if (value !== undefined && value !== '') {
      used.push(value);
      out += value;
      // every value from the environment is masked wherever it appears; a
      // value of 1–3 characters would mask ordinary text, so it is refused
      if (value.length < MIN_SECRET_LENGTH) errors.push({ variable: name, tooShort: value.length });
    } else if (text[after] === ':') {
      const inner = expand(text.slice(after + 2, close), env, used);
      errors.push(...inner.errors);
      out += inner.text;
    } else {
      errors.push({ variable: name });
    }
    i = close + 1;
  }
  return { text: out, errors };
}

/** Index of the `}` that closes the `{` at `open`, counting nested `${…}`; -1 when none. */
function matchingBrace(text: string, open: number): number {
  let depth = 0;
  for (let j = open; j < text.length; j += 1) {
    if (text[j] === '{') depth += 1;
    else if (text[j] === '}' && --depth === 0) return j;
  }
  return -1;
}

/** The key path of a node from the ancestry `visit` gives. */
function pathOf(ancestry: readonly unknown[], node: Node): Path {
  const path: Path = [];
  const chain = [...ancestry, node];
  for (let i = 0; i < chain.length - 1; i++) {
    const parent = chain[i];
    const child = chain[i + 1];
    if (isSeq(parent)) path.push(parent.items.indexOf(child as never));
    if (isPair(parent) && parent.value === child && isScalar(parent.key)) path.push(String(parent.key.value));
  }
  return path;
}

/**
 * Where a key path points in the file: the value's position, or the key's when
 * the value is empty, or the nearest existing parent for a missing key.
 */
export function locate(source: YamlSource, path: Path, preferKey = false): Position {
  let node: unknown = source.doc.contents;
  let offset = 0;
  for (const segment of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(segment));
      if (!pair) break;
      const keyRange = (pair.key as Node).range;
      const valueRange = (pair.value as Node | null)?.range;
      offset =
        preferKey && segment === path.at(-1) ? (keyRange?.[0] ?? offset) : (valueRange?.[0] ?? keyRange?.[0] ?? offset);
      node = pair.value;
    } else if (isSeq(node) && typeof segment === 'number') {
      const item = node.items[segment] as Node | undefined;
      if (!item) break;
      offset = item.range?.[0] ?? offset;
      node = item;
    } else {
      break;
    }
  }
  const p = source.lines.linePos(offset);
  return { line: p.line, column: p.col };
}

export function formatPath(path: Path): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out ? `.${segment}` : segment;
  }
  return out || '(root)';
}

/** Where the first alias (`*name`) of the file is, or its start when there is none. */
export function firstAlias(source: YamlSource): Position {
  let offset: number | null = null;
  visit(source.doc, {
    Alias(_key, node) {
      offset = node.range?.[0] ?? null;
      return visit.BREAK;
    },
  });
  const p = source.lines.linePos(offset ?? 0);
  return { line: p.line, column: p.col };
}
