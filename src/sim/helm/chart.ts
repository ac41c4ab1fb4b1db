import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';

export interface Chart {
  metadata: { name: string; version: string; appVersion?: string; apiVersion: string; description?: string };
  values: Record<string, unknown>;
  templates: { name: string; text: string }[];
}

/** The built-in chart (`helm upgrade --install web builtin/app`): one Deployment of `image.repository:image.tag`. */
const BUILTIN: Chart = {
  metadata: {
    apiVersion: 'v2',
    name: 'app',
    version: '0.1.0',
    appVersion: '1.0.0',
    description: 'one Deployment (simulated helm built-in chart)',
  },
  values: { replicaCount: 2, image: { repository: 'shop/app', tag: 'v1' }, containerPort: 8080 },
  templates: [
    {
      name: 'templates/deployment.yaml',
      text: `apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}
  labels:
    app.kubernetes.io/name: {{ .Chart.Name }}
    app.kubernetes.io/instance: {{ .Release.Name }}
spec:
  replicas: {{ .Values.replicaCount }}
  selector:
    matchLabels:
      app.kubernetes.io/instance: {{ .Release.Name }}
  template:
    metadata:
      labels:
        app.kubernetes.io/name: {{ .Chart.Name }}
        app.kubernetes.io/instance: {{ .Release.Name }}
    spec:
      containers:
      - name: {{ .Chart.Name }}
        image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"
        ports:
        - containerPort: {{ .Values.containerPort }}
`,
    },
  ],
};

/** A chart from a directory (Chart.yaml, values.yaml, templates/*.yaml), or the built-in one. */
export function loadChart(ref: string): Chart {
  if (ref === 'builtin/app' || ref === 'builtin') return structuredClone(BUILTIN);
  if (!existsSync(join(ref, 'Chart.yaml'))) throw new Error(`path "${ref}" not found`);
  const metadata = parse(readFileSync(join(ref, 'Chart.yaml'), 'utf8')) as Chart['metadata'];
  const valuesFile = join(ref, 'values.yaml');
  const values = existsSync(valuesFile)
    ? ((parse(readFileSync(valuesFile, 'utf8')) as Record<string, unknown>) ?? {})
    : {};
  const dir = join(ref, 'templates');
  const templates = existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => /\.ya?ml$/.test(f))
        .sort()
        .map((f) => ({ name: `templates/${f}`, text: readFileSync(join(dir, f), 'utf8') }))
    : [];
  return { metadata, values, templates };
}

/** `--set a.b=c` into a values tree (numbers and booleans typed, as strvals does for plain --set). */
export function setValue(values: Record<string, unknown>, assignment: string): void {
  const eq = assignment.indexOf('=');
  if (eq < 0) throw new Error(`failed parsing --set data: key "${assignment}" has no value`);
  const path = assignment.slice(0, eq).split('.');
  const raw = assignment.slice(eq + 1);
  const value: unknown = raw === 'true' ? true : raw === 'false' ? false : /^-?\d+$/.test(raw) ? Number(raw) : raw;
  let node = values;
  for (const key of path.slice(0, -1)) {
    if (typeof node[key] !== 'object' || node[key] === null) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1]!] = value;
}

export function mergeValues(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = structuredClone(base);
  for (const [k, v] of Object.entries(over)) {
    const current = out[k];
    out[k] =
      v &&
      typeof v === 'object' &&
      !Array.isArray(v) &&
      current &&
      typeof current === 'object' &&
      !Array.isArray(current)
        ? mergeValues(current as Record<string, unknown>, v as Record<string, unknown>)
        : v;
  }
  return out;
}

function lookup(scope: Record<string, unknown>, path: string): unknown {
  let node: unknown = scope;
  for (const key of path.replace(/^\./, '').split('.')) {
    if (!node || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

/**
 * Renders the template subset the simulator understands: `{{ .Values.x }}`,
 * `{{ .Release.Name }}`, `{{ .Release.Namespace }}`, `{{ .Chart.Name }}`,
 * with `| quote` and `| default "v"`. Anything else is left as written.
 */
export function render(
  chart: Chart,
  values: Record<string, unknown>,
  release: { name: string; namespace: string; revision: number },
): string {
  const scope = {
    Values: values,
    Release: { Name: release.name, Namespace: release.namespace, Revision: release.revision, Service: 'Helm' },
    Chart: { Name: chart.metadata.name, Version: chart.metadata.version, AppVersion: chart.metadata.appVersion ?? '' },
  };
  const docs = chart.templates.map((t) => {
    const text = t.text.replace(
      /\{\{-?\s*(\.[\w.]+)((?:\s*\|\s*[^}|]+)*)\s*-?\}\}/g,
      (_m, path: string, pipes: string) => {
        let value = lookup(scope, path);
        for (const pipe of pipes
          .split('|')
          .map((p) => p.trim())
          .filter(Boolean)) {
          const fallback = /^default\s+"?([^"]*)"?$/.exec(pipe);
          if (fallback && (value === undefined || value === '' || value === null)) value = fallback[1];
          if (pipe === 'quote') value = JSON.stringify(String(value ?? ''));
        }
        return value === undefined ? '' : String(value);
      },
    );
    return `---\n# Source: ${chart.metadata.name}/${t.name}\n${text.trimEnd()}\n`;
  });
  return docs.join('');
}

/** The rendered manifest as objects, empty documents dropped. */
export function manifestObjects(manifest: string): Record<string, unknown>[] {
  return parseAllDocuments(manifest)
    .map((d) => d.toJS() as Record<string, unknown> | null)
    .filter((o): o is Record<string, unknown> => Boolean(o && typeof o === 'object' && o.kind));
}
