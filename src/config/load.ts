import { createRedactor, MIN_SECRET_LENGTH } from '../core/redact.js';
import { shortSecrets } from './secret-rules.js';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ExitCode, UserError } from '../core/errors.js';
import { excerptAt, fromZodIssues, issueAt } from './issues.js';
import type { ConfigIssue } from './issues.js';
import { formatIssue } from './issues.js';
import { knownKeysAt } from './json-schema.js';
import { RULES } from './rules.js';
import { applyComposeFiles } from './compose-file.js';
import { configSchema } from './schema/index.js';
import type { RewindConfig } from './schema/index.js';
import { firstAlias, interpolate, parseYaml } from './yaml-source.js';

export interface LoadedConfig {
  /** the path as the user gave it, for messages */
  file: string;
  /** directory of rewind.yaml: relative paths in it resolve against this */
  baseDir: string;
  /** absolute controller.stateDir */
  stateDir: string;
  config: RewindConfig;
  warnings: ConfigIssue[];
  /** values from the environment (interpolated, and those `controller.passEnv` passes on), redacted wherever text leaves Rewind */
  interpolated: string[];
}

export const DEFAULT_CONFIG_FILE = 'rewind.yaml';

/**
 * Parse → interpolate → schema → rules, collecting every problem at once
 * (STYLE.md §5). Never throws for a bad file; `loadConfig` does.
 */
export function checkConfig(
  file: string,
  text: string,
  env: NodeJS.ProcessEnv = process.env,
  /** the directory of rewind.yaml: with it, Compose files named by container services are read */
  baseDir?: string,
): { config: RewindConfig | null; issues: ConfigIssue[]; interpolated: string[] } {
  const { source, syntaxErrors } = parseYaml(file, text);
  const [first] = syntaxErrors;
  if (first) {
    // one broken line confuses the parser about every line after it: the first error is the one to fix
    const { line, column } = first.position;
    const more = syntaxErrors.length > 1 ? '; the rest of the file is checked once it parses' : '';
    return {
      config: null,
      interpolated: [],
      issues: [
        {
          file,
          line,
          column,
          path: '(yaml)',
          message: `YAML syntax error: ${first.message}${more}`,
          severity: 'error' as const,
          excerpt: excerptAt(text, line, column),
        },
      ],
    };
  }
  const issues: ConfigIssue[] = interpolate(source, env).map((e) =>
    issueAt(
      source,
      e.path,
      e.tooShort !== undefined
        ? `environment variable ${e.variable} holds ${e.tooShort} character${e.tooShort === 1 ? '' : 's'}: values from the environment are masked as secrets everywhere and need at least ${MIN_SECRET_LENGTH} (write a short value in the file instead)`
        : (e.problem ??
            `environment variable ${e.variable} is not set (write \${${e.variable}:-default} for a default)`),
    ),
  );
  let raw: unknown;
  try {
    raw = source.doc.toJS() ?? {};
  } catch (error) {
    // e.g. aliases that expand without end (a "billion laughs" file): the yaml library stops it
    const at = firstAlias(source);
    return {
      config: null,
      interpolated: [],
      issues: [
        {
          file,
          line: at.line,
          column: at.column,
          path: '(yaml)',
          message: `cannot expand the file: ${(error as Error).message}`,
          severity: 'error' as const,
        },
      ],
    };
  }
  const parsed = configSchema.safeParse(raw, { reportInput: true });
  if (!parsed.success) issues.push(...fromZodIssues(source, parsed.error.issues, knownKeysAt));
  // Rules run even when the schema failed, on the raw data, so one run shows everything.
  const seen = new Set(issues.map((i) => `${i.path}|${i.message}`));
  for (const rule of RULES) {
    let problems: ReturnType<typeof rule> = [];
    try {
      problems = rule(parsed.success ? parsed.data : (raw as RewindConfig));
    } catch {
      continue; // a section too malformed for this rule; the schema already said why
    }
    for (const problem of problems) {
      const issue = issueAt(source, problem.path, problem.message, { severity: problem.severity ?? 'error' });
      if (!seen.has(`${issue.path}|${issue.message}`)) issues.push(issue);
      seen.add(`${issue.path}|${issue.message}`);
    }
  }
  for (const problem of shortSecrets(raw)) issues.push(issueAt(source, problem.path, problem.message));
  if (parsed.success) {
    const read = (path: string) => (existsSync(path) ? readFileSync(path, 'utf8') : null);
    const at = (path: (string | number)[], message: string) => issueAt(source, path, message);
    issues.push(...applyComposeFiles(parsed.data.services, raw, { file, baseDir, env, read, issueAt: at }));
  }
  // an error message quoting a value that came from the environment shows it masked
  const mask = createRedactor(source.interpolated);
  const shown = sortIssues(issues.map((i) => ({ ...i, message: mask(i.message) })));
  if (!parsed.success) return { config: null, issues: shown, interpolated: source.interpolated };
  const hasErrors = issues.some((i) => i.severity === 'error');
  // what `controller.passEnv` hands to child processes came from the environment too: a secret like any other
  const passed = parsed.data.controller.passEnv.map((name) => env[name]).filter((v): v is string => Boolean(v));
  return {
    config: hasErrors ? null : parsed.data,
    issues: shown,
    interpolated: [...new Set([...source.interpolated, ...passed])],
  };
}

const sortIssues = (issues: ConfigIssue[]): ConfigIssue[] =>
  [...issues].sort((a, b) => a.line - b.line || a.column - b.column);

export function loadConfig(file: string = DEFAULT_CONFIG_FILE, env: NodeJS.ProcessEnv = process.env): LoadedConfig {
  const path = resolve(file);
  if (!existsSync(path)) {
    throw new UserError('CONFIG_NOT_FOUND', `no config at ${file} — create one with: rewind init`, {
      exitCode: ExitCode.usage,
      status: 400,
    });
  }
  const { config, issues, interpolated } = checkConfig(file, readFileSync(path, 'utf8'), env, dirname(path));
  const errors = issues.filter((i) => i.severity === 'error');
  if (!config || errors.length > 0) {
    throw new UserError(
      'CONFIG_INVALID',
      `${file} has ${errors.length} error${errors.length === 1 ? '' : 's'}:\n${errors.map(formatIssue).join('\n')}`,
      {
        exitCode: ExitCode.usage,
        details: { issues: errors },
      },
    );
  }
  const baseDir = dirname(path);
  return {
    file,
    baseDir,
    stateDir: resolve(baseDir, config.controller.stateDir),
    config,
    warnings: issues,
    interpolated,
  };
}
