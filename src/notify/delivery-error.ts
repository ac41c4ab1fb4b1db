/**
 * Errors a notifier throws. The outbox reads `retryable`: a 5xx, a timeout or a
 * refused connection is worth another try later; a 4xx other than 408/429 means the
 * request itself is wrong (bad routing key, revoked webhook) and retrying only
 * spams the receiver, so the row goes straight to `dead`.
 *
 * Messages never hold the URL, token or key: callers build them from
 * fixed words, and `redact` scrubs anything that came back from the far side.
 */
export class DeliveryError extends Error {
  readonly retryable: boolean;
  /** the HTTP status the receiver answered, when it answered */
  readonly status: number | null;

  constructor(message: string, options: { retryable: boolean; status?: number | null }) {
    super(message);
    this.name = 'DeliveryError';
    this.retryable = options.retryable;
    this.status = options.status ?? null;
  }
}

/** True for a status worth retrying: 408, 425, 429 and every 5xx. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 425 || status === 429 || status >= 500;
}

/**
 * Replaces every secret (and, for URLs, their percent-encoded and path-only forms)
 * in `text` with `[redacted]`. Empty and very short secrets are ignored so that a
 * one-letter token cannot blank out a whole message.
 */
export function redact(text: string, secrets: readonly (string | null | undefined)[]): string {
  let out = text;
  const forms = new Set<string>();
  for (const secret of secrets) {
    if (!secret || secret.length < 4) continue;
    forms.add(secret);
    forms.add(encodeURIComponent(secret));
    try {
      const url = new URL(secret);
      // a webhook URL's path and query are the secret part (Slack, generic hooks)
      if (url.pathname.length > 4) forms.add(url.pathname);
      if (url.search.length > 4) forms.add(url.search);
      // a receiver may echo one part alone: a path segment or a query value
      for (const segment of url.pathname.split('/')) if (segment.length >= 6) forms.add(segment);
      for (const value of url.searchParams.values()) if (value.length >= 4) forms.add(value);
      if (url.password) forms.add(url.password);
    } catch {
      // not a URL: the plain forms are enough
    }
  }
  // longest first so that a URL is replaced whole before its path
  for (const form of [...forms].sort((a, b) => b.length - a.length)) {
    out = out.split(form).join('[redacted]');
  }
  return out;
}

/** Whether the outbox should try this error again. Unknown errors are retried. */
export function isRetryable(error: unknown): boolean {
  return error instanceof DeliveryError ? error.retryable : true;
}
