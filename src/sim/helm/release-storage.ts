import { gunzipSync, gzipSync } from 'node:zlib';
import type { KubeClient } from './kube-client.js';

export type ReleaseStatus =
  'deployed' | 'superseded' | 'failed' | 'pending-install' | 'pending-upgrade' | 'pending-rollback' | 'uninstalled';

/** A release as Helm 3 serialises it (pkg/release): field names as on the wire. */
export interface Release {
  name: string;
  namespace: string;
  version: number;
  info: {
    first_deployed: string;
    last_deployed: string;
    deleted: string;
    description: string;
    status: ReleaseStatus;
    notes?: string;
  };
  chart: {
    metadata: { name: string; version: string; appVersion?: string; apiVersion: string; description?: string };
    values: Record<string, unknown>;
  };
  config: Record<string, unknown>;
  manifest: string;
}

interface SecretObj {
  metadata: { name: string; labels?: Record<string, string>; resourceVersion?: string };
  data?: Record<string, string>;
}

const secretName = (name: string, version: number) => `sh.helm.release.v1.${name}.v${version}`;

/** Helm's encodeRelease: JSON, gzip, base64 (the Secret's own base64 comes on top). */
export function encodeRelease(release: Release): string {
  return gzipSync(Buffer.from(JSON.stringify(release))).toString('base64');
}

export function decodeRelease(encoded: string): Release {
  const bytes = Buffer.from(encoded, 'base64');
  const raw = bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : bytes;
  return JSON.parse(raw.toString('utf8')) as Release;
}

/**
 * Helm 3's Secret storage driver: one Secret per revision,
 * `sh.helm.release.v1.<name>.v<N>`, type `helm.sh/release.v1`, labels
 * owner=helm, name, status, version, createdAt/modifiedAt, and the encoded release under `release`.
 */
export class ReleaseStorage {
  constructor(
    private readonly kube: KubeClient,
    private readonly namespace: string,
  ) {}

  private get base(): string {
    return `/api/v1/namespaces/${this.namespace}/secrets`;
  }

  async history(name: string): Promise<Release[]> {
    const selector = encodeURIComponent(`owner=helm,name=${name}`);
    const list = await this.kube.call<{ items: SecretObj[] }>('GET', `${this.base}?labelSelector=${selector}`);
    return list.items
      .map((s) => decodeRelease(Buffer.from(s.data?.release ?? '', 'base64').toString('utf8')))
      .sort((a, b) => a.version - b.version);
  }

  async all(): Promise<Release[]> {
    const list = await this.kube.call<{ items: SecretObj[] }>('GET', `${this.base}?labelSelector=owner%3Dhelm`);
    return list.items.map((s) => decodeRelease(Buffer.from(s.data?.release ?? '', 'base64').toString('utf8')));
  }

  private secret(release: Release, stamp: 'createdAt' | 'modifiedAt'): SecretObj & Record<string, unknown> {
    return {
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'helm.sh/release.v1',
      metadata: {
        name: secretName(release.name, release.version),
        labels: {
          name: release.name,
          owner: 'helm',
          status: release.info.status,
          version: String(release.version),
          [stamp]: String(Math.floor(Date.now() / 1000)),
        },
      },
      data: { release: Buffer.from(encodeRelease(release)).toString('base64') },
    };
  }

  /**
   * Stores a new revision. With `maxHistory` > 0 the oldest revisions go first
   * so that at most that many remain, never the last deployed one (Helm's
   * removeLeastRecent, run by `--history-max`, default 10).
   */
  async create(release: Release, maxHistory = 0): Promise<void> {
    if (maxHistory > 0) {
      const history = await this.history(release.name);
      const deployed = history.filter((r) => r.info.status === 'deployed').at(-1);
      const excess = history.length - (maxHistory - 1);
      const victims = history.filter((r) => r.version !== deployed?.version).slice(0, Math.max(0, excess));
      for (const r of victims) await this.kube.call('DELETE', `${this.base}/${secretName(r.name, r.version)}`);
    }
    await this.kube.call('POST', this.base, this.secret(release, 'createdAt'));
  }

  /** Rewrites a revision (its status moved); the label follows the status, as Helm's driver keeps it. */
  async update(release: Release): Promise<void> {
    const name = secretName(release.name, release.version);
    await this.kube.call('PUT', `${this.base}/${name}`, this.secret(release, 'modifiedAt'));
  }
}
