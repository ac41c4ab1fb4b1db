/**
 * Keeping secrets out of readings (house rule: tokens, passwords and
 * webhook URLs never appear in errors, logs or outputs). A provider's error
 * names the endpoint by origin and path only, and any text a server sent back
 * has every known secret cut out before it becomes a reading's `error`.
 */

/** `https://prom.example:9090/api/v1/query` — never the user info, the query string or the fragment. */
export function describeEndpoint(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
  } catch {
    return '(an invalid URL)';
  }
}

/** Replaces each secret (and its URL-encoded and base64 forms) in `text` with `[redacted]`. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  const forms = new Set<string>();
  for (const secret of secrets) {
    if (secret.length < 3) continue; // too short to cut without mangling the message
    forms.add(secret);
    forms.add(encodeURIComponent(secret));
    forms.add(Buffer.from(secret).toString('base64'));
  }
  // longest first, so a secret that contains another is cut whole
  for (const form of [...forms].sort((a, b) => b.length - a.length)) out = out.split(form).join('[redacted]');
  return out;
}

/** The secrets hidden in a URL: its user info and every query value. */
export function urlSecrets(url: string): string[] {
  try {
    const parsed = new URL(url);
    const found = [decodeURIComponent(parsed.username), decodeURIComponent(parsed.password)];
    for (const value of parsed.searchParams.values()) found.push(value);
    return found.filter((s) => s !== '');
  } catch {
    return [];
  }
}
