import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Validator } from '@seriousme/openapi-schema-validator';
import { describe, expect, it } from 'vitest';
import { renderCliReference } from '../../src/docs/cli-reference.js';
import { renderConfigReference } from '../../src/docs/config-reference.js';
import { renderMetricsReference } from '../../src/docs/metrics-reference.js';
import { renderOpenApiReference } from '../../src/docs/openapi-reference.js';
import { EVENT_TYPES } from '../../src/core/event-types.js';

const ROOT = resolve(import.meta.dirname, '../..');
const committed = (path: string) => readFileSync(join(ROOT, path), 'utf8');
const STALE = 'is stale: regenerate it with `npm run docs` and commit the result';

describe('generated references match the code', () => {
  it('docs/reference/configuration.md lists every key of the config schema', () => {
    const text = renderConfigReference();
    expect(committed('docs/reference/configuration.md'), `docs/reference/configuration.md ${STALE}`).toBe(text);
    // keys from several depths and variants of the schema
    for (const key of ['controller.listen', 'services.<name>.driver[type=local].command', 'policy.matrix[].action'])
      expect(text).toContain(`| \`${key}\` |`);
    // every key says what it is for: a row whose last cell is empty has no description in the schema (zod .describe())
    const undescribed = text
      .split('\n')
      .filter((line) => line.startsWith('| `') && /\|\s*\|$/.test(line))
      .map((line) => line.split(' | ')[0]!.slice(2));
    expect(undescribed, 'config keys without a description in src/config/schema').toEqual([]);
  });

  it('docs/reference/cli.md lists every command', () => {
    const text = renderCliReference();
    expect(committed('docs/reference/cli.md'), `docs/reference/cli.md ${STALE}`).toBe(text);
    for (const command of ['rewind deploy', 'rewind undo', 'rewind db restore', 'rewind token create'])
      expect(text).toContain(`## \`${command}\``);
  });

  it('docs/reference/metrics-and-events.md lists the /metrics series and the event types', () => {
    const text = renderMetricsReference();
    expect(committed('docs/reference/metrics-and-events.md'), `docs/reference/metrics-and-events.md ${STALE}`).toBe(
      text,
    );
    expect(text).toContain('| `rewind_rollbacks_total` | counter | `service`, `environment`, `kind`, `outcome` |');
  });

  it('docs/reference/openapi.json is what a controller serves at /v1/openapi.json, and a valid OpenAPI 3.1 document', async () => {
    const served = await renderOpenApiReference();
    expect(committed('docs/reference/openapi.json'), `docs/reference/openapi.json ${STALE}`).toBe(served);
    const document = JSON.parse(served) as { paths: Record<string, Record<string, unknown>> };
    const validator = new Validator();
    expect(await validator.validate(document)).toEqual({ valid: true });
    expect(validator.version).toBe('3.1');
    expect(Object.keys(document.paths['/v1/deploy'] ?? {})).toEqual(['post']);
    expect(document.paths['/v1/deploy']?.post).toMatchObject({
      requestBody: { content: { 'application/json': { schema: { required: ['service', 'version'] } } } },
      security: [{ bearer: [] }],
      'x-rewind-action': 'deploy',
    });
  }, 60_000);

  it('every event type the code emits is in the catalog the events reference is generated from', () => {
    const emitted = new Set<string>();
    for (const file of sourceFiles(join(ROOT, 'src')))
      for (const match of readFileSync(file, 'utf8').matchAll(/\btype: '([a-z]+\.[a-z-]+)'/g))
        emitted.add(match[1] as string);
    expect(emitted.size).toBeGreaterThan(30);
    const missing = [...emitted].filter((type) => !(type in EVENT_TYPES));
    expect(missing, 'add these event types with their meaning to src/core/event-types.ts').toEqual([]);
  });
});

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}
