/**
 * Runs a real controller in its own Node process so a test can SIGKILL it: the
 * driver's sources are transpiled (types erased, nothing bundled) into a temp
 * dir and a small script starts a release through them, then idles.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import type { LocalServiceOptions } from '../../src/drivers/local/index.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** what the local driver needs: whole folders, and single files */
const FOLDERS = ['src/core', 'src/proxy', 'src/drivers/local', 'src/monitor/probes', 'src/drivers/behind-switch.ts'];

function transpileTree(outDir: string): void {
  writeFileSync(path.join(outDir, 'package.json'), '{"type":"module"}\n');
  for (const folder of FOLDERS) {
    const walk = (dir: string): void => {
      const entries = dir.endsWith('.ts')
        ? [{ name: path.basename(dir), isDirectory: () => false, parent: path.dirname(dir) }]
        : readdirSync(path.join(ROOT, dir), { withFileTypes: true }).map((entry) => ({
            name: entry.name,
            isDirectory: () => entry.isDirectory(),
            parent: dir,
          }));
      for (const entry of entries) {
        const relative = path.join(entry.parent, entry.name);
        if (entry.isDirectory()) walk(relative);
        else if (entry.name.endsWith('.ts')) {
          const output = ts.transpileModule(readFileSync(path.join(ROOT, relative), 'utf8'), {
            compilerOptions: {
              module: ts.ModuleKind.ESNext,
              target: ts.ScriptTarget.ES2022,
              verbatimModuleSyntax: true,
            },
          });
          const target = path.join(outDir, relative.replace(/\.ts$/, '.js'));
          mkdirSync(path.dirname(target), { recursive: true });
          writeFileSync(target, output.outputText);
        }
      }
    };
    walk(folder);
  }
}

const CONTROLLER = `
import { createLocalDriver } from './src/drivers/local/index.js';
import { createHealthProbe } from './src/monitor/probes/index.js';
const { stateDir, service, release } = JSON.parse(process.argv[2]);
const driver = createLocalDriver({
  stateDir,
  services: { [release.service]: service },
  switchFor: () => { throw new Error('no switch in this controller'); },
  createProbe: createHealthProbe,
});
await driver.start(release);
await driver.awaitReady(release, 20000);
console.log(JSON.stringify(driver.snapshot(release.service, release.environment, release.revision)));
setInterval(() => {}, 60000);
`;

export interface ControllerProcess {
  child: ChildProcess;
  /** the first line the controller prints: the release's instances once ready */
  ready: Promise<{ instances: { pid: number; port: number }[] }>;
  kill(): void;
}

export function startControllerProcess(
  workDir: string,
  stateDir: string,
  service: LocalServiceOptions,
  release: { service: string; environment: string; revision: number; version: string },
): ControllerProcess {
  transpileTree(workDir);
  writeFileSync(path.join(workDir, 'controller.js'), CONTROLLER);
  const child = spawn(process.execPath, ['controller.js', JSON.stringify({ stateDir, service, release })], {
    cwd: workDir,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const ready = new Promise<{ instances: { pid: number; port: number }[] }>((resolve, reject) => {
    let stdout = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const line = stdout.split('\n')[0];
      if (stdout.includes('\n') && line) resolve(JSON.parse(line) as { instances: { pid: number; port: number }[] });
    });
    child.once('exit', (code) => reject(new Error(`controller exited with ${code}: ${stderr}`)));
  });
  return {
    child,
    ready,
    kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}
