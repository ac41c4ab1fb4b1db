/**
 * A container service may take its image, command, environment, port, volumes and
 * limits from a named service of a Compose file (`driver.compose: { file, service }`).
 * Only a documented subset is read; every other key of that service is reported
 * where it stands in the Compose file (line:col and key path), never ignored
 * silently: a few that Rewind replaces with its own (restart, container_name,
 * depends_on) as warnings, the rest as errors.
 */
import { dirname, join, resolve } from 'node:path';
import { isMap, isScalar, isSeq, type Node } from 'yaml';
import type { ConfigIssue } from './issues.js';
import { issueAt } from './issues.js';
import { interpolate, parseYaml, type Path, type YamlSource } from './yaml-source.js';

/** What Rewind reads from a Compose service. */
export interface ComposeService {
  /** the image's repository with `{version}` as its tag */
  image?: string;
  command?: string[];
  env: Record<string, string>;
  /** the container port (the first `ports` entry's target) */
  port?: number;
  volumes: string[];
  memory?: string;
  cpus?: number;
}

export const COMPOSE_KEYS = ['image', 'command', 'environment', 'ports', 'volumes', 'mem_limit', 'cpus'] as const;
/** keys Rewind does its own way: reported as warnings */
const REPLACED: Record<string, string> = {
  restart: 'Rewind sets its own restart policy (unless-stopped) and counts restarts',
  container_name: 'Rewind names each release’s containers itself',
  depends_on: 'Rewind starts one service’s releases; start its dependencies on their own',
};

type Issue = (path: Path, message: string, severity?: 'error' | 'warning') => void;

const scalarText = (node: unknown): string | null =>
  isScalar(node) && node.value !== null && typeof node.value !== 'object' ? String(node.value) : null;

/** `/repo/app:v1` → `/repo/app:{version}`: the tag is the release's version. */
function versioned(image: string): string {
  const bare = image.replace(/@sha256:[0-9a-f]{64}$/, '');
  const slash = bare.lastIndexOf('/');
  const colon = bare.lastIndexOf(':');
  return `${colon > slash ? bare.slice(0, colon) : bare}:{version}`;
}

/** The container port of a `ports` entry: "8080", "80:8080", "127.0.0.1:80:8080/tcp" or `{ target: 8080 }`. */
function portOf(node: unknown): number | null {
  if (isMap(node)) return Number(scalarText(node.get('target', true))) || null;
  const text = scalarText(node);
  if (text === null) return null;
  const last =
    text
      .replace(/\/tcp$/, '')
      .split(':')
      .at(-1) ?? '';
  return /^\d+$/.test(last) ? Number(last) : null;
}

function readService(node: Node, at: Path, issue: Issue): ComposeService {
  const out: ComposeService = { env: {}, volumes: [] };
  if (!isMap(node)) {
    issue(at, 'expected a map of Compose keys');
    return out;
  }
  for (const pair of node.items) {
    const key = scalarText(pair.key) ?? '';
    const value = pair.value;
    const path = [...at, key];
    if (key in REPLACED) issue(path, `not used: ${REPLACED[key]}`, 'warning');
    else if (key === 'image') {
      const image = scalarText(value);
      if (image) out.image = versioned(image);
      else issue(path, 'expected an image reference');
    } else if (key === 'command') {
      if (isSeq(value) && value.items.every((i) => scalarText(i) !== null))
        out.command = value.items.map((i) => scalarText(i)!);
      else issue(path, 'expected the command as a list of arguments (Rewind runs no shell to split a string)');
    } else if (key === 'environment') {
      if (isMap(value)) for (const p of value.items) out.env[scalarText(p.key) ?? ''] = scalarText(p.value) ?? '';
      else if (isSeq(value))
        value.items.forEach((item, i) => {
          const text = scalarText(item) ?? '';
          const eq = text.indexOf('=');
          if (eq > 0) out.env[text.slice(0, eq)] = text.slice(eq + 1);
          else issue([...path, i], 'expected NAME=value (a name without a value is not passed on)');
        });
      else issue(path, 'expected a map or a list of NAME=value');
    } else if (key === 'ports') {
      const items = isSeq(value) ? value.items : [];
      if (items.length === 0) issue(path, 'expected a list of ports');
      items.forEach((item, i) => {
        const port = portOf(item);
        if (port === null) issue([...path, i], 'expected "container", "host:container" or { target: container }');
        else if (i > 0) issue([...path, i], 'Rewind fronts one port per service: only the first entry is used');
        else out.port = port;
      });
    } else if (key === 'volumes') {
      const items = isSeq(value) ? value.items : [];
      if (items.length === 0) issue(path, 'expected a list of "source:/path[:ro]"');
      items.forEach((item, i) => {
        const text = scalarText(item);
        if (text?.includes(':')) out.volumes.push(text);
        else issue([...path, i], 'expected the short form "source:/path[:ro]"');
      });
    } else if (key === 'mem_limit') {
      const text = scalarText(value);
      if (text) out.memory = text;
      else issue(path, 'expected a size like "256m"');
    } else if (key === 'cpus') {
      const cpus = Number(scalarText(value));
      if (cpus > 0) out.cpus = cpus;
      else issue(path, 'expected a number of cores like 0.5');
    } else {
      issue(
        path,
        `Compose key ${JSON.stringify(key)} is not supported by Rewind (it reads ${COMPOSE_KEYS.join(', ')}); remove it from this service or set the equivalent in rewind.yaml`,
      );
    }
  }
  return out;
}

/** Reads one service of a Compose file's text; problems are issues of that file. */
export function readComposeService(
  file: string,
  text: string,
  service: string,
  env: NodeJS.ProcessEnv,
): { service: ComposeService | null; issues: ConfigIssue[] } {
  const { source, syntaxErrors } = parseYaml(file, text);
  const issues: ConfigIssue[] = syntaxErrors.map((e) => ({
    file,
    line: e.position.line,
    column: e.position.column,
    path: '(yaml)',
    message: `YAML syntax error: ${e.message}`,
    severity: 'error',
  }));
  if (issues.length > 0) return { service: null, issues };
  const issue = (s: YamlSource, path: Path, message: string, severity: 'error' | 'warning' = 'error') =>
    issues.push(issueAt(s, path, message, { severity, atKey: true }));
  for (const e of interpolate(source, env))
    issue(source, e.path, e.problem ?? `environment variable ${e.variable} is not set`);
  const services = source.doc.get('services', true);
  const node = isMap(services) ? (services.get(service, true) as Node | undefined) : undefined;
  if (!node) {
    const names = isMap(services) ? services.items.map((p) => scalarText(p.key)).join(', ') : '';
    issue(
      source,
      ['services'],
      `no service ${JSON.stringify(service)} in this file${names ? ` (it has ${names})` : ''}`,
    );
    return { service: null, issues };
  }
  return { service: readService(node, ['services', service], (p, m, s) => issue(source, p, m, s)), issues };
}

/** A container driver's block as rewind.yaml holds it, before and after its Compose service is read. */
interface ContainerBlock {
  type: string;
  compose?: { file: string; service: string };
  image?: string;
  command?: string[];
  env?: Record<string, string>;
  port?: number;
  volumes?: string[];
  memory?: string;
  cpus?: number;
}

/**
 * Fills each container service's keys that rewind.yaml does not set from its
 * Compose service (rewind.yaml wins, key by key for `env`); relative volume
 * sources resolve against the Compose file's directory. Returns the issues found.
 */
export function applyComposeFiles(
  services: Record<string, { driver: ContainerBlock | { type: string } }>,
  raw: unknown,
  where: {
    file: string;
    baseDir: string | undefined;
    env: NodeJS.ProcessEnv;
    read(path: string): string | null;
    /** an issue at a key path of rewind.yaml */
    issueAt(path: Path, message: string): ConfigIssue;
  },
): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  for (const [name, service] of Object.entries(services)) {
    const driver = service.driver as ContainerBlock;
    if (driver.type !== 'container') continue;
    const at = ['services', name, 'driver'];
    if (!driver.compose) {
      if (!driver.image)
        issues.push(where.issueAt(at, 'expected image (e.g. registry/app:{version}) or compose: { file, service }'));
      continue;
    }
    if (where.baseDir === undefined) continue;
    const written = ((raw as { services?: Record<string, { driver?: Record<string, unknown> }> }).services?.[name]
      ?.driver ?? {}) as Record<string, unknown>;
    const path = resolve(where.baseDir, driver.compose.file);
    const shown = join(dirname(where.file), driver.compose.file);
    const text = where.read(path);
    if (text === null) {
      issues.push(where.issueAt([...at, 'compose', 'file'], `cannot read the Compose file ${shown}`));
      continue;
    }
    const read = readComposeService(shown, text, driver.compose.service, where.env);
    issues.push(...read.issues);
    const found = read.service;
    if (!found) continue;
    const dir = dirname(path);
    if (written.image === undefined && found.image) driver.image = found.image;
    if (written.command === undefined && found.command) driver.command = found.command;
    driver.env = { ...found.env, ...(written.env === undefined ? {} : driver.env) };
    if (written.port === undefined && found.port) driver.port = found.port;
    if (written.volumes === undefined)
      driver.volumes = found.volumes.map((v) =>
        v.startsWith('.') ? resolve(dir, v.slice(0, v.indexOf(':'))) + v.slice(v.indexOf(':')) : v,
      );
    if (written.memory === undefined && found.memory) driver.memory = found.memory;
    if (written.cpus === undefined && found.cpus) driver.cpus = found.cpus;
    if (!driver.image)
      issues.push(
        where.issueAt(
          [...at, 'compose', 'service'],
          `${driver.compose.service} in ${shown} names no image: set image here or there`,
        ),
      );
  }
  return issues;
}
