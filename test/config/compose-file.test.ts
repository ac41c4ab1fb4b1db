/**
 * `driver.compose: { file, service }` through the config loader as a user meets
 * it: a real rewind.yaml and Compose file on disk, `loadConfig` and `rewind validate`.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { runCli } from '../helpers/cli.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function project(compose: string, driverExtra = ''): string {
  const dir = mkdtempSync(join(tmpdir(), 'rewind-compose-'));
  dirs.push(dir);
  writeFileSync(join(dir, 'compose.yaml'), compose);
  writeFileSync(
    join(dir, 'rewind.yaml'),
    `version: 1
environments: { production: {} }
services:
  web:
    driver:
      type: container
      compose: { file: compose.yaml, service: web }
      listen: 127.0.0.1:18080
${driverExtra}`,
  );
  return dir;
}

describe('container services from a Compose file', () => {
  it('takes image (tag → {version}), command, environment, port, volumes and limits; rewind.yaml wins', () => {
    const dir = project(
      `services:
  db: { image: postgres:16 }
  web:
    image: registry.example:5000/shop/web:\${TAG:-1.4.2}
    command: ["/usr/bin/node", "/app/server.js"]
    environment:
      - LOG_LEVEL=info
      - APP_VERSION=compose
    ports: ["127.0.0.1:80:8081/tcp"]
    volumes: ["./data:/data:ro", "cache:/cache"]
    mem_limit: 256m
    cpus: 0.5
`,
      `      env: { APP_VERSION: "{version}" }\n      cpus: 2\n`,
    );
    const driver = loadConfig(join(dir, 'rewind.yaml'), {}).config.services.web?.driver;
    expect(driver).toMatchObject({
      image: 'registry.example:5000/shop/web:{version}',
      command: ['/usr/bin/node', '/app/server.js'],
      env: { LOG_LEVEL: 'info', APP_VERSION: '{version}' },
      port: 8081,
      volumes: [`${join(dir, 'data')}:/data:ro`, 'cache:/cache'],
      memory: '256m',
      cpus: 2,
    });
  });

  it('reports every unsupported Compose key at its line:col with its key path; replaced ones as warnings', async () => {
    const dir = project(`services:
  web:
    image: localhost/app:v1
    restart: unless-stopped
    healthcheck:
      test: ["CMD", "true"]
    ports: ["8080", "9090"]
    networks: [front]
`);
    const expectedFile = join(dir, 'compose.yaml');
    expect(() => loadConfig(join(dir, 'rewind.yaml'), {})).toThrow(
      `${expectedFile}:5:5 services.web.healthcheck: Compose key "healthcheck" is not supported by Rewind`,
    );
    const result = await runCli(['validate', '--json'], { cwd: dir });
    expect(result.code).toBe(2);
    const { issues } = JSON.parse(result.stdout) as {
      issues: { file: string; line: number; column: number; path: string; severity: string }[];
    };
    expect(issues.map((i) => [i.file, `${i.line}:${i.column}`, i.path, i.severity])).toEqual([
      ['compose.yaml', '4:5', 'services.web.restart', 'warning'],
      ['compose.yaml', '5:5', 'services.web.healthcheck', 'error'],
      ['compose.yaml', '7:21', 'services.web.ports[1]', 'error'],
      ['compose.yaml', '8:5', 'services.web.networks', 'error'],
    ]);
  });

  it('names a missing service with those the file has, and a container service with neither image nor compose', async () => {
    const dir = project(`services:\n  api: { image: localhost/api:v1 }\n`);
    expect(() => loadConfig(join(dir, 'rewind.yaml'), {})).toThrow('no service "web" in this file (it has api)');
    writeFileSync(
      join(dir, 'rewind.yaml'),
      `version: 1\nenvironments: { production: {} }\nservices:\n  web:\n    driver: { type: container, listen: 127.0.0.1:18080 }\n`,
    );
    expect(() => loadConfig(join(dir, 'rewind.yaml'), {})).toThrow(
      'services.web.driver: expected image (e.g. registry/app:{version}) or compose: { file, service }',
    );
  });
});
