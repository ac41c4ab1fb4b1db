import { MIN_SECRET_LENGTH, SECRET_KEY } from '../core/redact.js';
import type { Path } from './yaml-source.js';

/**
 * A value under a secret-looking key (`password`, `token`, `apiKey`…) that is 1–3
 * characters long cannot be masked without masking ordinary text: it is refused
 * at load rather than silently left visible. Empty values hold nothing to hide.
 */
export function shortSecrets(value: unknown, path: Path = [], out: { path: Path; message: string }[] = []) {
  const key = path.at(-1);
  if (typeof value === 'string') {
    if (typeof key === 'string' && SECRET_KEY.test(key) && value.length > 0 && value.length < MIN_SECRET_LENGTH) {
      out.push({
        path,
        message: `a secret needs at least ${MIN_SECRET_LENGTH} characters to be masked everywhere, got ${value.length}`,
      });
    }
  } else if (Array.isArray(value)) {
    value.forEach((item, i) => shortSecrets(item, [...path, i], out));
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) shortSecrets(v, [...path, k], out);
  }
  return out;
}
