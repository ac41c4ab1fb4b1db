import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Project } from '../helpers/cli.js';

export const SAMPLE_APP = resolve(import.meta.dirname, '../../examples/demo/app/server.js');

/**
 * A local-driver project for the sample service. Each version's fault is read
 * from the file `fault-<version>` in the project (absent = a good release), so one
 * config can deploy good and bad releases.
 */
export function localProject(project: Project, ports: { controller: number; front: number }, extra = ''): void {
  const launcher = `FAULT=$(cat fault-{version} 2>/dev/null); export FAULT; exec node ${SAMPLE_APP} --release {version}`;
  project.write(
    'rewind.yaml',
    `version: 1
controller: { stateDir: state, listen: "127.0.0.1:${ports.controller}" }
environments: { production: {} }
services:
  web:
    driver:
      type: local
      command: ["sh", "-c", "${launcher}"]
      cwd: ${project.dir}
      instances: 2
      listen: 127.0.0.1:${ports.front}
      stopTimeout: 2s
    health: { live: /health/live, ready: /health/ready, interval: 200ms, timeout: 500ms, failureThreshold: 3, readyTimeout: 4s }
    analysis: { duration: 0s }
${extra}`,
  );
}

export function setFault(project: Project, version: string, fault: string): void {
  writeFileSync(join(project.dir, `fault-${version}`), fault);
}

/** Which release answers the front door, or the error. */
export async function whoAnswers(front: number): Promise<string> {
  try {
    const response = await fetch(`http://127.0.0.1:${front}/`);
    if (!response.ok) return `status ${response.status}`;
    return ((await response.json()) as { release: string }).release;
  } catch (error) {
    return `error ${(error as Error).message}`;
  }
}
