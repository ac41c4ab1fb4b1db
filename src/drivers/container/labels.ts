/**
 * Every container Rewind starts carries labels that say whose it is: a
 * controller adopts its containers by label after a crash and stops only
 * containers it labelled, never one a person or Compose started.
 */

export const LABEL = {
  service: 'dev.rewind.service',
  project: 'dev.rewind.project',
  environment: 'dev.rewind.environment',
  release: 'dev.rewind.release',
  revision: 'dev.rewind.revision',
  attempt: 'dev.rewind.attempt',
  instance: 'dev.rewind.instance',
  image: 'dev.rewind.image',
} as const;

export interface ReleaseKey {
  service: string;
  environment: string;
  revision: number;
}

/** The engine's label filter selecting a service's containers in one environment (and one revision). */
export function selector(project: string, key: Omit<ReleaseKey, 'revision'> & { revision?: number }): string[] {
  return [
    `${LABEL.project}=${project}`,
    `${LABEL.service}=${key.service}`,
    `${LABEL.environment}=${key.environment}`,
    ...(key.revision !== undefined ? [`${LABEL.revision}=${key.revision}`] : []),
  ];
}

/** Labels of one container of a release; the user's labels cannot override Rewind's own. */
export function releaseLabels(
  project: string,
  release: ReleaseKey & { version: string },
  image: string,
  instance: number,
  attempt: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    ...extra,
    [LABEL.project]: project,
    [LABEL.service]: release.service,
    [LABEL.environment]: release.environment,
    [LABEL.release]: release.version,
    [LABEL.revision]: String(release.revision),
    [LABEL.instance]: String(instance),
    [LABEL.attempt]: attempt,
    [LABEL.image]: image,
  };
}

/** A name the engine accepts and a person recognises: `rewind-web-production-r3-0-<attempt>`. */
export function containerName(release: ReleaseKey, instance: number, attempt: string): string {
  const safe = (s: string) => s.replace(/[^a-zA-Z0-9_.-]/g, '-');
  return `rewind-${safe(release.service)}-${safe(release.environment)}-r${release.revision}-${instance}-${attempt}`;
}
