/**
 * Taking over containers that run before Rewind (a Compose project's): they are
 * selected by the service's adoption labels (`com.docker.compose.service=web` by
 * default), never restarted, and what they run is recorded as a digest. A
 * container Rewind labelled itself is never adopted this way, and a container
 * the labels do not select is never looked at again.
 */
import { UserError } from '../../core/errors.js';
import type { ContainerSummaryLike, DockerLike } from './engine-like.js';
import { runningImage, tagOf } from './image.js';
import { LABEL } from './labels.js';

/** The engine's label filter for the adoption labels: every pair must match. */
export const adoptionFilter = (labels: Record<string, string>): string[] =>
  Object.entries(labels).map(([key, value]) => `${key}=${value}`);

/** The containers the adoption labels select (running and stopped), in name order; none Rewind made. */
export async function adoptable(engine: DockerLike, labels: Record<string, string>): Promise<ContainerSummaryLike[]> {
  if (Object.keys(labels).length === 0) return [];
  const found = await engine.listContainers({ all: true, filters: { label: adoptionFilter(labels) } });
  return found
    .filter((c) => c.Labels?.[LABEL.service] === undefined)
    .sort((a, b) => (a.Names[0] ?? a.Id).localeCompare(b.Names[0] ?? b.Id));
}

/**
 * What the running containers the labels select run: one digest (refused when they
 * run different images: that is not one release) and the tag they were started from.
 */
export async function adoptedImage(
  engine: DockerLike,
  service: string,
  labels: Record<string, string>,
  running: ContainerSummaryLike[],
): Promise<{ artifact: string; version: string }> {
  const selector = adoptionFilter(labels).join(', ');
  if (running.length === 0) {
    throw new UserError(
      'NOTHING_TO_ADOPT',
      `no running container of ${service} has the labels ${selector} (set driver.adopt.labels to select them)`,
      { status: 404 },
    );
  }
  const inspected = await Promise.all(running.map((c) => engine.getContainer(c.Id).inspect()));
  const ids = [...new Set(inspected.map((i) => i.Image))];
  if (ids.length > 1) {
    throw new UserError(
      'ADOPT_MIXED_IMAGES',
      `the containers with the labels ${selector} run ${ids.length} different images (${inspected.map((i) => `${i.Name.replace(/^\//, '')}: ${i.Config.Image}`).join(', ')}); adopt takes one release`,
      { status: 409 },
    );
  }
  const reference = inspected[0]!.Config.Image;
  const artifact = await runningImage(engine, ids[0]!, reference);
  return { artifact, version: tagOf(reference) ?? artifact.slice(artifact.lastIndexOf(':') + 1, -52) };
}
