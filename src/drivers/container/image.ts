/**
 * A release is an image reference; what runs is its digest. At deploy the tag is
 * resolved (pulled first when the policy says so) to `repo@sha256:…`, which the
 * release records; every later start of that release runs the digest, so a tag
 * moved to other bytes cannot change what a rollback brings back.
 *
 * An image built or loaded on the engine and never pushed has no repository
 * digest on Docker Engine (Podman makes one at import). Then the release records
 * the engine's image id, `sha256:…` — the digest of the image's config, which
 * names its layers by content, so it is as fixed as a repository digest — and
 * runs it by id. What it cannot do is come back from a registry: an id removed
 * from the engine is an error that says to load the image again.
 */
import { UserError } from '../../core/errors.js';
import { statusOf, type DockerLike, type ImageInspectLike } from './engine-like.js';
import type { PullPolicy } from './options.js';

const DIGEST = /@sha256:[0-9a-f]{64}$/;
const IMAGE_ID = /^sha256:[0-9a-f]{64}$/;

/** `repo@sha256:…`: a repository (registry) digest */
export const isDigestReference = (reference: string): boolean => DIGEST.test(reference);

/** `sha256:…`: an engine's image id, which no registry serves */
export const isImageId = (reference: string): boolean => IMAGE_ID.test(reference);

/** a reference that names fixed bytes: a repository digest or an image id */
export const isPinnedReference = (reference: string): boolean => isDigestReference(reference) || isImageId(reference);

/** `registry:5000/team/app:v1` → `registry:5000/team/app` (the tag or digest removed). */
export function repositoryOf(reference: string): string {
  const bare = reference.replace(DIGEST, '');
  const slash = bare.lastIndexOf('/');
  const colon = bare.lastIndexOf(':');
  return colon > slash ? bare.slice(0, colon) : bare;
}

async function pull(engine: DockerLike, reference: string): Promise<void> {
  try {
    const stream = await engine.pull(reference);
    await new Promise<void>((done, fail) =>
      engine.modem.followProgress(stream, (error) => (error ? fail(error) : done())),
    );
  } catch (error) {
    throw new UserError('IMAGE_PULL_FAILED', `could not pull image ${reference}: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

async function inspect(engine: DockerLike, reference: string) {
  try {
    return await engine.getImage(reference).inspect();
  } catch (error) {
    if (statusOf(error) === 404) return null;
    throw error;
  }
}

/**
 * The digest reference of an image, pulled first as `pull` says. A missing image
 * (and `pull: never`, or a pull that fails) is a UserError naming the image.
 */
export async function resolveImage(engine: DockerLike, reference: string, policy: PullPolicy): Promise<string> {
  if (policy === 'always') await pull(engine, reference);
  let image = await inspect(engine, reference);
  if (!image && policy === 'ifNotPresent') {
    await pull(engine, reference);
    image = await inspect(engine, reference);
  }
  if (!image) {
    throw new UserError(
      'IMAGE_NOT_FOUND',
      `image ${reference} is not on the engine${policy === 'never' ? ' and pull is never: build or load it first' : ''}`,
    );
  }
  return pinned(reference, image);
}

/**
 * `repo@sha256:…` of an inspected image, under the repository `reference` names;
 * the image id `sha256:…` when it has no repository digest (built or loaded here).
 */
function pinned(reference: string, image: ImageInspectLike): string {
  if (isPinnedReference(reference)) return reference;
  const repository = repositoryOf(reference);
  const digests = image.RepoDigests ?? [];
  const digest = digests.find((d) => repositoryOf(d) === repository) ?? digests[0];
  if (!digest) {
    const id = image.Id.startsWith('sha256:') ? image.Id : `sha256:${image.Id}`;
    if (isImageId(id)) return id;
    throw new UserError(
      'IMAGE_NO_DIGEST',
      `image ${reference} (${image.Id}) has no repository digest or image id to pin`,
    );
  }
  // the digest under the repository the user named, so the record reads like the config
  return `${repository}@${digest.slice(digest.indexOf('@') + 1)}`;
}

/**
 * The digest reference of what a running container runs: its image by id (the tag
 * it was started from may have moved since), named under that tag's repository.
 */
export async function runningImage(engine: DockerLike, imageId: string, reference: string): Promise<string> {
  const image = await inspect(engine, imageId);
  if (!image) throw new UserError('IMAGE_NOT_FOUND', `image ${reference} (${imageId}) is no longer on the engine`);
  return pinned(reference, image);
}

/** The tag of a reference (`app:v1` → `v1`), or null for a digest or a bare repository. */
export function tagOf(reference: string): string | null {
  if (isPinnedReference(reference)) return null;
  const repository = repositoryOf(reference);
  return reference.length > repository.length ? reference.slice(repository.length + 1) : null;
}

/** Makes sure a digest reference is on the engine before a start: a stopped release needs no pull. */
export async function ensureImage(engine: DockerLike, reference: string, policy: PullPolicy): Promise<void> {
  if (await inspect(engine, reference)) return;
  if (isImageId(reference)) {
    throw new UserError(
      'IMAGE_NOT_FOUND',
      `image ${reference} is no longer on the engine; it was built or loaded there (no repository digest), so no registry has it: load or build it again`,
    );
  }
  if (policy !== 'never') await pull(engine, reference);
  if (!(await inspect(engine, reference))) {
    throw new UserError('IMAGE_NOT_FOUND', `image ${reference} is no longer on the engine and pull is never`);
  }
}
