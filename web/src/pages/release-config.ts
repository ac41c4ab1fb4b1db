import type { ConfigDiff } from '../../../src/app/config-files/diff.js';
import type { ReleaseFlags } from '../../../src/app/ops/flags.js';
import { get, q } from '../api.js';
import { fill, h } from '../dom.js';

/**
 * Flags and config snapshots per release on the service page: the flags each
 * release runs with (the kill switches set on it), and what its config files
 * changed against the release before it, secret-looking values masked by the API.
 */
export async function flagsByRevision(service: string, environment: string): Promise<Map<number, ReleaseFlags>> {
  const path = `/v1/services/${encodeURIComponent(service)}/flags${q({ environment })}`;
  // a service whose driver keeps no flags answers an error: the column stays empty
  const list = await get<ReleaseFlags[]>(path).catch(() => [] as ReleaseFlags[]);
  return new Map(list.map((r) => [r.revision, r]));
}

export function flagsCell(flags: ReleaseFlags | undefined): HTMLElement | string {
  const entries = Object.entries(flags?.flags ?? {});
  if (entries.length === 0) return '—';
  return h(
    'span',
    { class: 'flags' },
    entries.map(([name, value]) => h('code', { title: `${name}=${value}` }, `${name}=${value}`)),
  );
}

/** A disclosure that loads the config diff against the previous revision when opened. */
export function configChanges(service: string, environment: string, revision: number): HTMLElement | string {
  if (revision <= 1) return '';
  const body = h('div', { class: 'config-diff' });
  let loaded = false;
  const details = h(
    'details',
    {
      ontoggle: () => {
        if (loaded || !details.open) return;
        loaded = true;
        const path = `/v1/services/${encodeURIComponent(service)}/config-diff${q({ environment, from: revision - 1, to: revision })}`;
        get<ConfigDiff>(path)
          .then((diff) => fill(body, diffView(diff)))
          .catch((error: Error) => fill(body, h('p', { class: 'muted' }, error.message)));
      },
    },
    h('summary', {}, `config vs r${revision - 1}`),
    body,
  );
  return details;
}

function diffView(diff: ConfigDiff): HTMLElement {
  const changed = diff.files.filter((f) => f.change !== 'unchanged');
  if (changed.length === 0) return h('p', { class: 'muted' }, 'no config file changed');
  return h(
    'div',
    {},
    changed.map((file) =>
      h('div', {}, h('strong', {}, `${file.path} (${file.change})`), h('pre', {}, file.lines.join('\n'))),
    ),
  );
}
