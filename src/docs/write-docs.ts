import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderJsonSchema } from '../config/write-json-schema.js';
import { renderCliReference } from './cli-reference.js';
import { renderConfigReference } from './config-reference.js';
import { renderMetricsReference } from './metrics-reference.js';
import { renderOpenApiReference } from './openapi-reference.js';

/** Every generated reference, by its path in the repository. */
export async function renderReferences(): Promise<Record<string, string>> {
  return {
    'docs/reference/configuration.md': renderConfigReference(),
    'docs/reference/cli.md': renderCliReference(),
    'docs/reference/metrics-and-events.md': renderMetricsReference(),
    'docs/reference/openapi.json': await renderOpenApiReference(),
    'schema/rewind.schema.json': renderJsonSchema(),
  };
}

/** `npm run docs`: regenerates the references that a test keeps current. */
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
  for (const [path, text] of Object.entries(await renderReferences())) {
    const target = join(root, path);
    const before = (() => {
      try {
        return readFileSync(target, 'utf8');
      } catch {
        return null;
      }
    })();
    if (before === text) continue;
    writeFileSync(target, text);
    console.error(`wrote ${path}`);
  }
}
