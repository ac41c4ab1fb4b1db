import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkConfig } from '../../src/config/load.js';
import { STARTER_CONFIG } from '../../src/config/starter.js';
import { renderJsonSchema } from '../../src/config/write-json-schema.js';

describe('generated schema and starter file', () => {
  it('schema/rewind.schema.json is current (regenerate with: npm run build && npm run schema)', () => {
    expect(readFileSync(new URL('../../schema/rewind.schema.json', import.meta.url), 'utf8')).toBe(renderJsonSchema());
  });

  it('the starter file that `rewind init` writes validates', () => {
    const result = checkConfig('rewind.yaml', STARTER_CONFIG, {});
    expect(result.issues.filter((i) => i.severity === 'error')).toEqual([]);
    expect(result.config?.services.web?.driver.type).toBe('local');
  });

  it('the commented `backups:` example of the starter file validates once uncommented', () => {
    const block = STARTER_CONFIG.slice(STARTER_CONFIG.indexOf('# databases:')).replace(/^# /gm, '');
    const result = checkConfig('rewind.yaml', STARTER_CONFIG + block, { DATABASE_URL: 'postgres://u@h/db' });
    expect(result.issues.filter((i) => i.severity === 'error')).toEqual([]);
    expect(result.config?.databases.main?.backups).toMatchObject({
      schedule: '*/15 * * * *',
      rpo: '1h',
      keep: { last: 24, daily: 7, weekly: 4 },
    });
  });

  it('applies defaults from the one schema', () => {
    const { config } = checkConfig(
      'r.yaml',
      'version: 1\nenvironments: { production: {} }\nservices:\n  api:\n    driver: { type: command, start: [a], shiftTraffic: [b], retire: [c] }\n',
      {},
    );
    expect(config?.controller).toMatchObject({ listen: '127.0.0.1:7070', stateDir: '.rewind' });
    expect(config?.services.api?.health.failureThreshold).toBe(3);
    expect(config?.policy.cooldownPeriod).toBe('300s');
  });

  it('interpolates ${VAR} and ${VAR:-default}', () => {
    const text =
      'version: 1\ncontroller: { stateDir: "${STATE:-/tmp/x}", listen: "127.0.0.1:${PORT}" }\nenvironments: { production: {} }\nservices: {}\n';
    expect(checkConfig('r.yaml', text, { PORT: '9000' }).config?.controller).toMatchObject({
      stateDir: '/tmp/x',
      listen: '127.0.0.1:9000',
    });
  });
});
