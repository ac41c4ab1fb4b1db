/**
 * `GET /api/v1/namespaces/{ns}/pods/{name}/log`: what a simulated container
 * printed, derived like its status from the pod's creation time alone, so the
 * same question always gets the same answer. A simulated container prints a
 * start line, the value of its `SIM_LOG` environment variable (one line per
 * line, the way a program echoes its settings), then what its image tag makes
 * it do: a `crash…` container an error with a stack trace before exiting 1, an
 * `unready…` one that its readiness check fails, any other that it listens.
 *
 * Query parameters as the kubelet serves them: `container` (required when the
 * pod has several), `previous` (the container instance that terminated last:
 * 400 when there is none), `tailLines`, `timestamps`. The answer is text/plain.
 */
import type { ServerResponse } from 'node:http';
import { ApiError, badRequest } from './api-error.js';
import { imageTag } from './defaults.js';
import { READY_AFTER_MS, RESTART_EVERY_MS } from './pod-lifecycle.js';
import type { Pod } from './types.js';

interface PodContainer {
  name: string;
  image?: string;
  env?: { name: string; value?: string }[];
}

/** The lines one run (instance) of a container printed, each with the moment it was printed. */
function instanceLines(pod: Pod, c: PodContainer, instance: number, startedAt: number): [number, string][] {
  const image = c.image ?? '';
  const tag = imageTag(image);
  const at = (offset: number) => startedAt + offset;
  const lines: [number, string][] = [[at(0), `container ${c.name} started (image ${image}, run ${instance + 1})`]];
  const own = c.env?.find((e) => e.name === 'SIM_LOG')?.value;
  for (const line of own?.split('\n') ?? []) if (line !== '') lines.push([at(1), line]);
  if (tag.startsWith('crash')) {
    lines.push(
      [at(RESTART_EVERY_MS - 3), `Error: simulated crash of ${image} in pod ${pod.metadata.name}`],
      [at(RESTART_EVERY_MS - 3), '    at main (/app/main.js:12:11)'],
      [at(RESTART_EVERY_MS - 3), '    at start (/app/start.js:4:3)'],
      [at(RESTART_EVERY_MS - 2), 'fatal: exiting with code 1'],
    );
  } else if (tag.startsWith('unready')) {
    lines.push([at(2), 'listening on :8080; the readiness check fails (simulated)']);
  } else {
    lines.push([at(2), 'listening on :8080']);
  }
  return lines;
}

/** The text the kubelet would answer for `pods/{name}/log` with these query parameters, at this moment. */
export function podLog(pod: Pod, query: URLSearchParams, now = Date.now()): string {
  const containers = (pod.spec.containers ?? []) as PodContainer[];
  const name = query.get('container') ?? (containers.length === 1 ? containers[0]?.name : undefined);
  const podName = pod.metadata.name ?? '';
  if (!name) {
    throw badRequest(
      `a container name must be specified for pod ${podName}, choose one of: [${containers.map((c) => c.name).join(' ')}]`,
    );
  }
  const container = containers.find((c) => c.name === name);
  if (!container) throw badRequest(`container ${name} is not valid for pod ${podName}`);
  const created = Date.parse(pod.metadata.creationTimestamp ?? new Date(now).toISOString());
  if (now - created < READY_AFTER_MS)
    throw badRequest(`container "${name}" in pod "${podName}" is waiting to start: ContainerCreating`);
  const crashing = imageTag(container.image ?? '').startsWith('crash');
  const runs = crashing ? Math.floor((now - created - READY_AFTER_MS) / RESTART_EVERY_MS) : 0;
  const previous = query.get('previous') === 'true' || query.get('previous') === '1';
  // As the kubelet picks the instance: `previous` is the last terminated one; a container waiting in
  // back-off has no newer one, so it answers with that same instance too.
  const instance = Math.max(0, runs - 1);
  if (previous && runs === 0) throw badRequest(`previous terminated container "${name}" in pod "${podName}" not found`);
  const startedAt = created + READY_AFTER_MS + instance * RESTART_EVERY_MS;
  let lines = instanceLines(pod, container, instance, startedAt).filter(([t]) => t <= now);
  const tail = query.get('tailLines');
  if (tail !== null) {
    const n = Number(tail);
    if (!Number.isInteger(n) || n < 0) throw badRequest(`tailLines: Invalid value: ${JSON.stringify(tail)}`);
    lines = n === 0 ? [] : lines.slice(-n);
  }
  const stamped = query.get('timestamps') === 'true';
  return lines.map(([t, text]) => `${stamped ? `${new Date(t).toISOString()} ` : ''}${text}\n`).join('');
}

/** Answers a log request as text/plain, as the API server proxies it from the kubelet. */
export function sendPodLog(res: ServerResponse, pod: Pod, query: URLSearchParams): void {
  if (pod.metadata.deletionTimestamp && !pod.spec.containers?.length) throw new ApiError(404, 'NotFound', 'pod gone');
  const text = podLog(pod, query);
  res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}
