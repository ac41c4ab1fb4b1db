import fc from 'fast-check';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { checkConfig } from '../../src/config/load.js';

/*
 * Mutated configs through the whole load path (YAML, interpolation, schema,
 * rules): never a throw, and every problem is reported with a line and a key
 * path. `npm run fuzz` runs 10,000; the suite 500.
 */
const RUNS = Number(process.env.FUZZ_CONFIGS ?? 500);

const BASE = {
  version: 1,
  controller: {
    listen: '127.0.0.1:7070',
    stateDir: '.rewind',
    allowedHosts: ['rewind.internal'],
    passEnv: ['HTTP_PROXY'],
  },
  environments: { production: { protected: true }, staging: {} },
  services: {
    api: {
      driver: {
        type: 'command',
        start: ['true'],
        shiftTraffic: ['true'],
        retire: ['true'],
        env: { TOKEN: '${API_TOKEN:-}' },
      },
      strategy: 'canary',
      canary: { steps: [10, 50, 100], pause: '10s' },
      health: { live: '/health/live', interval: '1s' },
      triggers: [{ name: 'errors', metric: 'errorRate', above: 0.1, for: '5s', severity: 'high' }],
      hooks: { preRollback: [{ name: 'purge', command: ['./purge.sh', '${CDN_KEY:-none-set}'], timeout: '10s' }] },
      database: 'app',
    },
  },
  policy: { cooldownPeriod: '300s', matrix: [{ match: { severity: ['high'] }, action: 'rollback' }] },
  databases: { app: { engine: 'postgres', url: 'postgres://app:${DB_PASSWORD:-pw-default}@127.0.0.1/app' } },
  notifications: {
    channels: [{ name: 'sre', type: 'webhook', url: 'http://127.0.0.1:9/hook' }],
    routes: [{ events: ['rollback.*'], channels: ['sre'] }],
  },
  drills: [{ env: 'staging', schedule: '0 4 * * *', hook: ['true'] }],
};

type Json = unknown;
const value: fc.Arbitrary<Json> = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.constantFrom(
    '5s',
    'fast',
    '${UNSET_VAR}',
    '${SHORT}',
    '$${literal}',
    '-1',
    '127.0.0.1:99999',
    'postgres://u:p@h/d',
  ),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.jsonValue({ maxDepth: 2 }),
);

/** paths to every node of the base config */
function paths(node: Json, prefix: (string | number)[] = []): (string | number)[][] {
  const out = [prefix];
  if (Array.isArray(node)) node.forEach((item, i) => out.push(...paths(item, [...prefix, i])));
  else if (node && typeof node === 'object')
    for (const [k, v] of Object.entries(node)) out.push(...paths(v, [...prefix, k]));
  return out;
}
const ALL_PATHS = paths(BASE).filter((p) => p.length > 0);

type Mutation = { kind: 'set' | 'delete' | 'rename'; path: (string | number)[]; value: Json; key: string };
const mutation = fc.record({
  kind: fc.constantFrom('set', 'delete', 'rename'),
  path: fc.constantFrom(...ALL_PATHS),
  value,
  key: fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('timout', 'protectd', '__proto__', 'constructor')),
}) as fc.Arbitrary<Mutation>;

function apply(config: Json, m: Mutation): Json {
  const copy = structuredClone(config) as Record<string | number, Json>;
  const parentPath = m.path.slice(0, -1);
  let parent: Json = copy;
  for (const step of parentPath) {
    if (!parent || typeof parent !== 'object') return copy;
    parent = (parent as Record<string | number, Json>)[step];
  }
  if (!parent || typeof parent !== 'object') return copy;
  const holder = parent as Record<string | number, Json>;
  const last = m.path.at(-1) as string | number;
  if (m.kind === 'set') holder[last] = m.value;
  else if (m.kind === 'delete') delete holder[last];
  else if (!Array.isArray(holder)) {
    Object.defineProperty(holder, m.key, { value: holder[last], enumerable: true, writable: true, configurable: true });
    delete holder[last];
  }
  return copy;
}

describe('fuzzed configs', () => {
  it('the unmutated base config is valid (so mutations are what the checks see)', () => {
    const result = checkConfig('base.yaml', stringify(BASE), { SHORT: 'ab', API_TOKEN: 'tok-123456' });
    expect(result.issues.filter((i) => i.severity === 'error')).toEqual([]);
  });

  it(
    `${RUNS} mutated configs: never a throw, every problem has a line and a key path`,
    () => {
      let rejected = 0;
      fc.assert(
        fc.property(
          fc.array(mutation, { minLength: 1, maxLength: 4 }),
          fc.integer({ min: 0, max: 9 }).map((n) => n === 0),
          (mutations, garble) => {
            let config: Json = BASE;
            for (const m of mutations) config = apply(config, m);
            let text = stringify(config);
            // sometimes break the YAML itself
            if (garble)
              text = text.slice(0, Math.floor(text.length / 2)) + ':\n  - ]{' + text.slice(Math.floor(text.length / 2));
            const result = checkConfig('fuzz.yaml', text, { SHORT: 'ab', API_TOKEN: 'tok-123456' });
            const errors = result.issues.filter((i) => i.severity === 'error');
            if (!result.config) {
              rejected += 1;
              expect(errors.length).toBeGreaterThan(0);
            }
            for (const issue of result.issues) {
              expect(issue.line).toBeGreaterThanOrEqual(1);
              expect(typeof issue.path).toBe('string');
              expect(issue.message.length).toBeGreaterThan(0);
              // a value from the environment never shows in a message
              expect(issue.message).not.toContain('tok-123456');
            }
          },
        ),
        { numRuns: RUNS },
      );
      console.log(
        `config fuzz: ${RUNS} mutated configs, ${rejected} rejected with errors, ${RUNS - rejected} accepted`,
      );
    },
    Math.max(60_000, RUNS * 20),
  );
});
