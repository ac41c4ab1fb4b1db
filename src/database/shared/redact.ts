/**
 * Secrets never appear in errors or outputs (BRIEF): every message that
 * leaves an adapter goes through these helpers first.
 */

/** The URL with its password (and any `password=` query parameter) replaced by `***`. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    for (const key of [...parsed.searchParams.keys()]) {
      if (/pass|secret|token/i.test(key)) parsed.searchParams.set(key, '***');
    }
    return parsed.toString();
  } catch {
    // Not a URL we can parse: hide everything between `//user:` and `@`.
    return url.replace(/(\/\/[^:/@]*:)[^@]*@/, '$1***@');
  }
}

/** A function that removes every known secret from a text. */
export type Redactor = (text: string) => string;

/**
 * Builds a redactor for a connection: the raw URL, its password (plain and
 * percent-decoded) and any extra secrets are replaced by `***`.
 */
export function createRedactor(url: string | null, extra: string[] = []): Redactor {
  const secrets = new Set<string>(extra.filter((s) => s.length > 0));
  if (url) {
    try {
      const parsed = new URL(url);
      if (parsed.password) {
        secrets.add(parsed.password);
        secrets.add(decodeURIComponent(parsed.password));
      }
    } catch {
      /* unparsable URLs are handled by redactUrl below */
    }
  }
  const ordered = [...secrets].sort((a, b) => b.length - a.length);
  return (text: string) => {
    let out = url ? text.split(url).join(redactUrl(url)) : text;
    out = out.replace(/\b(postgres(?:ql)?|mysql|mariadb):\/\/[^\s'"]+/g, (m) => redactUrl(m));
    for (const secret of ordered) out = out.split(secret).join('***');
    return out;
  };
}
