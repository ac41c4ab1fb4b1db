import type { z } from 'zod';
import type { Path, YamlSource } from './yaml-source.js';
import { formatPath, locate } from './yaml-source.js';

/** One problem in a config file, with where it is. */
export interface ConfigIssue {
  file: string;
  line: number;
  column: number;
  /** dotted key path: services.api.health.interval */
  path: string;
  message: string;
  severity: 'error' | 'warning';
  /** the offending line of the file and a caret under the column (YAML syntax errors) */
  excerpt?: string;
}

export function issueAt(
  source: YamlSource,
  path: Path,
  message: string,
  options: { severity?: 'error' | 'warning'; atKey?: boolean } = {},
): ConfigIssue {
  const pos = locate(source, path, options.atKey ?? false);
  return {
    file: source.file,
    line: pos.line,
    column: pos.column,
    path: formatPath(path),
    message,
    severity: options.severity ?? 'error',
  };
}

/** `rewind.yaml:12:5 services.api.health.interval: expected a duration like "5s", got "fast"` */
export function formatIssue(issue: ConfigIssue): string {
  const tag = issue.severity === 'warning' ? ' (warning)' : '';
  const excerpt = issue.excerpt ? `\n${issue.excerpt}` : '';
  return `${issue.file}:${issue.line}:${issue.column} ${issue.path}: ${issue.message}${tag}${excerpt}`;
}

const got = (input: unknown): string => {
  if (input === undefined) return 'nothing';
  if (input === null) return 'null';
  if (Array.isArray(input)) return 'a list';
  if (typeof input === 'object') return 'a map';
  return JSON.stringify(input);
};

const typeName = (expected: string): string =>
  ({ object: 'a map of keys', array: 'a list', string: 'a string', number: 'a number', boolean: 'true or false' })[
    expected
  ] ?? expected;

function closest(word: string, options: string[]): string | null {
  const distance = (a: string, b: string): number => {
    const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array(b.length).fill(0)] as number[]);
    for (let j = 1; j <= b.length; j++) (d[0] as number[])[j] = j;
    for (let i = 1; i <= a.length; i++)
      for (let j = 1; j <= b.length; j++) {
        const row = d[i] as number[];
        const prev = d[i - 1] as number[];
        row[j] = Math.min(
          (prev[j] as number) + 1,
          (row[j - 1] as number) + 1,
          (prev[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1),
        );
      }
    return (d[a.length] as number[])[b.length] as number;
  };
  let best: string | null = null;
  let bestScore = Math.max(2, Math.floor(word.length / 3)) + 1;
  for (const option of options) {
    const score = distance(word.toLowerCase(), option.toLowerCase());
    if (score < bestScore) {
      best = option;
      bestScore = score;
    }
  }
  return best;
}

/** Turns zod's issues into ConfigIssues that say what was expected and what was found. */
export function fromZodIssues(
  source: YamlSource,
  issues: z.core.$ZodIssue[],
  knownKeysAt: (path: Path) => string[],
): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  for (const issue of issues) {
    const path = issue.path as Path;
    const input = (issue as { input?: unknown }).input;
    switch (issue.code) {
      case 'unrecognized_keys':
        for (const key of issue.keys) {
          const hint = closest(key, knownKeysAt(path));
          out.push(
            issueAt(source, [...path, key], `unknown key "${key}"${hint ? ` (did you mean "${hint}"?)` : ''}`, {
              atKey: true,
            }),
          );
        }
        break;
      case 'invalid_type':
        out.push(
          issueAt(
            source,
            path,
            input === undefined
              ? `required key is missing (expected ${typeName(issue.expected)})`
              : `expected ${typeName(issue.expected)}, got ${got(input)}`,
          ),
        );
        break;
      case 'invalid_value':
        out.push(
          issueAt(
            source,
            path,
            `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}, got ${got(input)}`,
          ),
        );
        break;
      case 'invalid_union': {
        const discriminator = (issue as { note?: string }).note?.includes('discriminator');
        out.push(
          issueAt(
            source,
            path,
            discriminator
              ? `expected a known type, got ${got((input as Record<string, unknown> | undefined)?.type)}`
              : `expected ${issue.message}`,
          ),
        );
        break;
      }
      case 'too_small':
      case 'too_big': {
        const message = issue.message.startsWith('expected')
          ? issue.message
          : `expected ${issue.code === 'too_small' ? 'at least' : 'at most'} ${String((issue as { minimum?: unknown }).minimum ?? (issue as { maximum?: unknown }).maximum)}`;
        out.push(issueAt(source, path, `${message}, got ${got(input)}`));
        break;
      }
      default:
        out.push(
          issueAt(
            source,
            path,
            issue.message.startsWith('expected') ? `${issue.message}, got ${got(input)}` : issue.message,
          ),
        );
    }
  }
  return out;
}

/** `  21 | this line is stray` with a caret under `column` (1-based), as compilers show a syntax error. */
export function excerptAt(text: string, line: number, column: number): string {
  const content = (text.split(/\r?\n/)[line - 1] ?? '').replace(/\t/g, ' ');
  const gutter = `  ${line} | `;
  return `${gutter}${content}\n${' '.repeat(gutter.length - 2)}| ${' '.repeat(Math.max(0, column - 1))}^`;
}
