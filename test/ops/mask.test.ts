import { describe, expect, it } from 'vitest';
import { maskLine } from '../../src/app/config-files/mask.js';
import { rollbackOrder } from '../../src/core/group-order.js';

describe('config diff masking', () => {
  it('masks the values of secret-looking keys in .env, JSON and YAML lines, nothing else', () => {
    expect(maskLine('API_TOKEN=abc123')).toBe('API_TOKEN=***');
    expect(maskLine('export DB_PASSWORD=hunter2')).toBe('export DB_PASSWORD=***');
    expect(maskLine('  "apiKey": "k-secret-1",')).toBe('  "apiKey": "***",');
    expect(maskLine('client_secret: s3cr3t')).toBe('client_secret: ***');
    expect(maskLine('GREETING=hello')).toBe('GREETING=hello');
    expect(maskLine('  "color": "blue"')).toBe('  "color": "blue"');
    expect(maskLine('monkey: banana')).toBe('monkey: banana');
  });
});

describe('rollback order of several services', () => {
  it('dependents first, otherwise in the order declared', () => {
    const deps: Record<string, string[]> = { web: ['api'], api: ['db'], admin: ['api'] };
    // each turn takes the first declared service nothing still waiting depends on
    expect(rollbackOrder(['db', 'api', 'web', 'worker', 'admin'], (s) => deps[s] ?? [])).toEqual([
      'web',
      'worker',
      'admin',
      'api',
      'db',
    ]);
    expect(rollbackOrder(['web', 'api', 'worker'], (s) => deps[s] ?? [])).toEqual(['web', 'api', 'worker']);
  });
});
