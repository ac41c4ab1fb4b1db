/**
 * What app instances, hooks and platform commands get of the controller's
 * environment: not all of it (the controller's own tokens and credentials stay
 * with it), only what a process needs to run, plus the names
 * `controller.passEnv` lists and the variables the config sets explicitly.
 */
export const INHERITED_ENV: readonly string[] = [
  'PATH',
  'HOME',
  'USER',
  'LOGNAME',
  'SHELL',
  'LANG',
  'LANGUAGE',
  'LC_ALL',
  'LC_CTYPE',
  'LC_MESSAGES',
  'TZ',
  'TMPDIR',
  'TERM',
  'SSL_CERT_FILE',
  'SSL_CERT_DIR',
  'NODE_EXTRA_CA_CERTS',
  'SYSTEMROOT',
];

/** The environment of a child process; pure: the parent's environment is passed in. */
export function childEnvironment(
  parent: Readonly<Record<string, string | undefined>>,
  passEnv: readonly string[] = [],
  extra: Readonly<Record<string, string | undefined>> = {},
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of [...INHERITED_ENV, ...passEnv]) {
    const value = parent[name];
    if (value !== undefined) out[name] = value;
  }
  for (const [name, value] of Object.entries(extra)) if (value !== undefined) out[name] = value;
  return out;
}
