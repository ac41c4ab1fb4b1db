import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Project, Serve } from '../helpers/cli.js';
import { freePort, runCli, startServe, tempProject } from '../helpers/cli.js';

// A service as a newcomer brings it: a command that takes its port as a flag, a
// port range of its own, a release whose command dies at once, and a version whose
// folder was never created. Real processes behind the real builtin switch.
const APP = `import { createServer } from 'node:http';
const port = Number(process.argv[process.argv.indexOf('--port') + 1]);
createServer((req, res) => res.end(req.url === '/ready' ? 'ok' : \`\${process.env.VERSION} on \${port}\`)).listen(port, '127.0.0.1');
`;
const BROKEN = `console.error('boom: cannot find module ./catalog.json'); process.exit(3);\n`;

let project: Project;
let serve: Serve;
let front: number;
let range: { from: number; to: number };
const cli = (...args: string[]) => runCli(args, { cwd: project.dir });

beforeAll(async () => {
  project = tempProject('rewind-first-service-');
  front = await freePort();
  const controller = await freePort();
  // below the kernel's ephemeral ports (32768+ by default), so a port in it was picked by driver.ports
  const from = 20_000 + Math.floor(Math.random() * 10_000);
  range = { from, to: from + 200 };
  for (const [version, code] of [
    ['v1', APP],
    ['v2', BROKEN],
  ] as const) {
    mkdirSync(join(project.dir, 'releases', version), { recursive: true });
    writeFileSync(join(project.dir, 'releases', version, 'server.mjs'), code);
  }
  project.write(
    'rewind.yaml',
    `version: 1
controller: { stateDir: state, listen: 127.0.0.1:${controller} }
environments: { production: {} }
services:
  catalog:
    driver:
      type: local
      command: ["node", "server.mjs", "--port", "{port}"]
      cwd: ./releases/{version}
      env: { VERSION: "{version}" }
      portEnv: UNUSED_PORT
      ports: ${range.from}-${range.to}
      instances: 2
      listen: 127.0.0.1:${front}
      stopTimeout: 2s
    health: { ready: /ready, readyTimeout: 10m }
    analysis: { duration: 0s }
`,
  );
  serve = await startServe(project, controller);
}, 60_000);

afterAll(async () => {
  await serve?.kill();
  project?.cleanup();
});

describe('a first service of ones own', () => {
  it('{port} reaches a command that takes its port as a flag, and instance ports come from driver.ports', async () => {
    const deployed = await cli('deploy', 'catalog', 'v1', '--watch');
    expect(deployed.code, deployed.stderr).toBe(0);
    const seen = new Set<number>();
    for (let i = 0; i < 10; i += 1) {
      const text = await (await fetch(`http://127.0.0.1:${front}/`)).text();
      const match = /^v1 on (\d+)$/.exec(text);
      expect(match, text).not.toBeNull();
      seen.add(Number(match?.[1]));
    }
    for (const port of seen) {
      expect(port).toBeGreaterThanOrEqual(range.from);
      expect(port).toBeLessThanOrEqual(range.to);
    }
  });

  it('a release that crashes before it is ever ready fails without waiting out readyTimeout, and says why', async () => {
    // readyTimeout is 10 minutes: finishing within the test's timeout shows it stopped at the crash loop
    const failed = await cli('deploy', 'catalog', 'v2', '--watch', '--json');
    expect(failed.code, failed.stderr).toBe(1);
    const result = JSON.parse(failed.stdout) as { outcome: string; reason: string };
    expect(result.outcome).toBe('failed');
    expect(result.reason).toMatch(/exited with code 3 \d+ times in a row before it was ever ready/);
    expect(result.reason).toContain('boom: cannot find module ./catalog.json');
    expect(result.reason).toMatch(/log: \S+catalog-production-r2-\d\.log/);
    // v1 still serves
    expect(await (await fetch(`http://127.0.0.1:${front}/`)).text()).toMatch(/^v1 on /);
  }, 90_000);

  it('a version whose release folder does not exist says so', async () => {
    const missing = await cli('deploy', 'catalog', 'v3', '--json');
    expect(missing.code).toBe(1);
    const result = JSON.parse(missing.stdout) as { outcome: string; reason: string };
    expect(result.reason).toContain(`the release folder ${join(project.dir, 'releases', 'v3')} does not exist`);
    expect(result.reason).not.toContain('ENOENT');
  }, 60_000);
});
