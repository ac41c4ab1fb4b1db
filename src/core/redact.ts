/**
 * Secrets stay secret: tokens, passwords and webhook URLs never appear in logs,
 * events, journals, reports or error messages. A Redactor knows the secret values
 * of the running config and scrubs any text that leaves Rewind.
 */
export interface Redactor {
  (text: string): string;
  /** adds more secret values (e.g. from a provider) */
  add(...secrets: string[]): void;
}

const MASK = '***';
// credentials inside URLs: scheme://user:password@host
const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/[^:/@\s]+:)([^@\s/]+)@/gi;

export function createRedactor(secrets: Iterable<string> = []): Redactor {
  const values = new Set<string>();
  const add = (...more: string[]) => {
    for (const s of more) if (typeof s === 'string' && s.length >= 4) values.add(s);
  };
  add(...secrets);
  const redact = ((text: string): string => {
    let out = text.replace(URL_CREDENTIALS, `$1${MASK}@`);
    // longest first, so a secret that contains another is masked whole
    for (const secret of [...values].sort((a, b) => b.length - a.length)) {
      if (out.includes(secret)) out = out.split(secret).join(MASK);
    }
    return out;
  }) as Redactor;
  redact.add = add;
  return redact;
}

const SECRET_KEY = /(password|secret|token|apikey|api_key|routingkey|webhookurl|authorization)$/i;

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
