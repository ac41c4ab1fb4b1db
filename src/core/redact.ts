/**
 * Secrets stay secret: tokens, passwords and webhook URLs never appear in logs,
 * events, journals, reports or error messages. A Redactor knows the secret values
 * of the running config and scrubs any text that leaves Rewind.
 */
export interface Redactor {
  (text: string): string;
  /** adds more secret values (e.g. from a provider, or a token just verified) */
  add(...secrets: string[]): void;
  /** true when this exact value is a known secret (numbers in data are checked this way) */
  isSecret(value: string): boolean;
}

export const MASK = '***';
/** Shorter values cannot be masked without masking ordinary text: config refuses them as secrets. */
export const MIN_SECRET_LENGTH = 4;
// credentials inside URLs: scheme://user:password@host
const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/[^:/@\s]+:)([^@\s/]+)@/gi;
// credentials in a query string: ?api_key=…&token=…
const QUERY_SECRETS =
  /([?&](?:api[_-]?key|apikey|key|token|access[_-]?token|auth|secret|password|passwd|sig|signature|client[_-]?secret)=)[^&#\s"']+/gi;
// Rewind's own API tokens, whoever's they are
const API_TOKENS = /\brwd_[A-Za-z0-9_-]{20,}/g;

export function createRedactor(secrets: Iterable<string> = []): Redactor {
  const values = new Set<string>();
  let sorted: string[] = [];
  const add = (...more: string[]) => {
    for (const s of more) {
      if (typeof s !== 'string' || s.length < MIN_SECRET_LENGTH) continue;
      values.add(s);
      // text that quotes a secret as JSON (an error about a value) holds its escaped form
      const escaped = JSON.stringify(s).slice(1, -1);
      if (escaped !== s) values.add(escaped);
    }
    // longest first, so a secret that contains another is masked whole
    sorted = [...values].sort((a, b) => b.length - a.length);
  };
  add(...secrets);
  const redact = ((text: string): string => {
    let out = text.replace(URL_CREDENTIALS, `$1${MASK}@`).replace(QUERY_SECRETS, `$1${MASK}`).replace(API_TOKENS, MASK);
    for (const secret of sorted) {
      if (out.includes(secret)) out = out.split(secret).join(MASK);
    }
    return out;
  }) as Redactor;
  redact.add = add;
  redact.isSecret = (value) => values.has(value);
  return redact;
}

/**
 * Masks every string (and every number that is itself a secret) inside a value,
 * before it is encoded: a secret with quotes or backslashes is matched as it is,
 * not as JSON escapes it. Object keys are kept; the input is not modified.
 */
export function redactDeep<T>(value: T, redact: Redactor): T {
  const walk = (v: unknown, depth: number): unknown => {
    if (typeof v === 'string') return redact(v);
    if (typeof v === 'number') return redact.isSecret(String(v)) ? MASK : v;
    if (depth > 64 || v === null || typeof v !== 'object') return v;
    if (Array.isArray(v)) return v.map((item) => walk(item, depth + 1));
    if (v instanceof Date || Buffer.isBuffer(v)) return v;
    const out: Record<string, unknown> = {};
    for (const [k, item] of Object.entries(v)) out[k] = walk(item, depth + 1);
    return out;
  };
  return walk(value, 0) as T;
}

export const SECRET_KEY =
  /(password|passwd|secret|token|apikey|api_key|accesskey|privatekey|credentials?|routingkey|webhookurl|authorization|bearertoken)$/i;

/** Every string under a secret-looking key of a config-like object. */
export function collectSecrets(value: unknown, key = '', out: string[] = []): string[] {
  if (typeof value === 'string') {
    if (SECRET_KEY.test(key)) out.push(value);
    const password = /:\/\/[^:/@\s]+:([^@\s/]+)@/.exec(value)?.[1];
    if (password) out.push(password);
  } else if (Array.isArray(value)) {
    for (const item of value) collectSecrets(item, key, out);
  } else if (value && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    // a generic webhook's URL is itself the secret (anyone holding it can post)
    if (record.type === 'webhook' && typeof record.url === 'string') out.push(record.url);
    for (const [k, v] of Object.entries(record)) collectSecrets(v, k, out);
  }
  return out;
}
