/**
 * `features:` path patterns: `*` is one path segment, `**` any rest (a pattern
 * ending in `/**` also matches the bare prefix), everything else literal. The
 * first pattern that matches names the feature; no match is `other`. Both
 * routers use the same regular expressions (HAProxy as `path_reg` ACLs).
 */

export const OTHER = 'other';

/** The anchored regular expression source of one pattern. */
export function patternSource(pattern: string): string {
  let source = '';
  let rest = pattern;
  if (rest.endsWith('/**')) rest = rest.slice(0, -3);
  for (let i = 0; i < rest.length; i += 1) {
    const c = rest[i] as string;
    if (c === '*' && rest[i + 1] === '*') {
      source += '.*';
      i += 1;
    } else if (c === '*') source += '[^/]*';
    else source += c.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
  }
  return `^${source}${pattern.endsWith('/**') ? '(/.*)?' : ''}$`;
}

/** Feature names in order, `other` last: a request's feature is an index into it. */
export function featureNames(features: Record<string, string>): string[] {
  return [...Object.keys(features), OTHER];
}

/** Returns path (query removed) → index into `featureNames(features)`. */
export function featureMatcher(features: Record<string, string>): (url: string | undefined) => number {
  const patterns = Object.values(features).map((p) => new RegExp(patternSource(p)));
  const other = patterns.length;
  if (other === 0) return () => 0;
  return (url) => {
    if (url === undefined) return other;
    const query = url.indexOf('?');
    const path = query < 0 ? url : url.slice(0, query);
    for (let i = 0; i < patterns.length; i += 1) if ((patterns[i] as RegExp).test(path)) return i;
    return other;
  };
}
