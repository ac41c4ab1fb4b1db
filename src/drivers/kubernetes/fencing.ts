/**
 * Fenced traffic writes. The object that carries the traffic split (a Service's
 * selector, a VirtualService or HTTPRoute, the Deployments of a replica canary)
 * records the lease token it was last written under in an annotation. A write
 * reads the object, refuses when the recorded token is newer than its own (a newer
 * leader has acted: this controller was deposed), and writes with the
 * resourceVersion it read as a precondition, so a write in between is a 409 and the
 * check runs again on what is there now. Without a fence the write is plain.
 * Tokens compare only within one store (`rewind.dev/lease-scope`): a state dir
 * made anew starts counting again, and its first write takes the object over.
 */
import type { V1ObjectMeta } from '@kubernetes/client-node';
import { UserError } from '../../core/errors.js';
import type { Fence } from '../../core/model.js';

export const FENCE_ANNOTATION = 'rewind.dev/lease-token';
export const SCOPE_ANNOTATION = 'rewind.dev/lease-scope';

/** What a fenced patch adds to its metadata: the precondition and the token it writes under. */
export interface FenceMeta {
  resourceVersion?: string;
  annotations?: Record<string, string>;
}

export interface FencedWrite<T> {
  /** what is written, for messages: "VirtualService shop/api" */
  what: string;
  fence?: Fence | undefined;
  /** reads the object's metadata now (null: it does not exist) */
  read(): Promise<V1ObjectMeta | null | undefined>;
  /** writes, putting `meta` in the patch's metadata */
  write(meta: FenceMeta): Promise<T>;
}

const conflict = (error: unknown): boolean => (error as { code?: unknown }).code === 409;

export async function fencedWrite<T>(request: FencedWrite<T>, attempts = 5): Promise<T> {
  const { fence } = request;
  if (!fence) return request.write({});
  for (let attempt = 1; ; attempt += 1) {
    const meta = await request.read();
    const recorded = Number(meta?.annotations?.[FENCE_ANNOTATION] ?? 0);
    const recordedScope = meta?.annotations?.[SCOPE_ANNOTATION];
    const comparable = !recordedScope || !fence.scope || recordedScope === fence.scope;
    if (comparable && recorded > fence.token) {
      throw new UserError(
        'FENCED',
        `${request.what}: traffic was last moved under lease token ${recorded}, newer than this controller's ${fence.token} — another controller leads now; nothing was written (if none does, remove the object's ${FENCE_ANNOTATION} annotation)`,
        { status: 409 },
      );
    }
    try {
      return await request.write({
        ...(meta?.resourceVersion ? { resourceVersion: meta.resourceVersion } : {}),
        annotations: {
          [FENCE_ANNOTATION]: String(fence.token),
          ...(fence.scope ? { [SCOPE_ANNOTATION]: fence.scope } : {}),
        },
      });
    } catch (error) {
      // written in between: check again what is there now
      if (!conflict(error) || attempt >= attempts) throw error;
    }
  }
}
