import type { PodTemplate } from './types.js';

/** The alphabet `rand.SafeEncodeString` maps onto: no vowels, no look-alike characters. */
const ALPHANUMS = 'bcdfghjklmnpqrstvwxz2456789';

function fnv32a(text: string): number {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(text, 'utf8')) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

function stable(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stable);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, v]) => [k, stable(v)]),
    );
  }
  return value;
}

/**
 * The `pod-template-hash` label value: an FNV-32a hash of the pod template
 * (plus the collision count) written as its decimal digits mapped through
 * SafeEncodeString, like the Deployment controller's ComputeHash. The hashed
 * bytes differ from Go's (it hashes a spew dump), so values have the real
 * shape but not the real cluster's exact strings.
 */
export function podTemplateHash(template: PodTemplate, collisionCount = 0): string {
  const digits = String(
    fnv32a(JSON.stringify(stable(withoutHash(template))) + (collisionCount ? String(collisionCount) : '')),
  );
  return [...digits].map((c) => ALPHANUMS[c.charCodeAt(0) % ALPHANUMS.length]).join('');
}

export function withoutHash(template: PodTemplate): PodTemplate {
  const copy = structuredClone(template);
  if (copy.metadata?.labels) {
    delete copy.metadata.labels['pod-template-hash'];
  }
  return copy;
}

/** Deployment controller's EqualIgnoreHash: the templates match once pod-template-hash is ignored. */
export function equalIgnoreHash(a: PodTemplate, b: PodTemplate): boolean {
  return JSON.stringify(stable(withoutHash(a))) === JSON.stringify(stable(withoutHash(b)));
}

/** Five characters from the same alphabet, as generateName suffixes use. */
export function randomSuffix(length = 5): string {
  let out = '';
  for (let i = 0; i < length; i++) out += ALPHANUMS[Math.floor(Math.random() * ALPHANUMS.length)];
  return out;
}
