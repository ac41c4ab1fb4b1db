import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';

/** A failed API call, carrying the Status the server answered with. */
export class KubeCallError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

interface Kubeconfig {
  'current-context'?: string;
  contexts?: { name: string; context: { cluster: string; namespace?: string } }[];
  clusters?: { name: string; cluster: { server: string } }[];
}

/** The few API calls the simulated helm makes, over plain HTTP to the (simulated) API server. */
export class KubeClient {
  private constructor(
    readonly server: string,
    readonly defaultNamespace: string,
  ) {}

  /** From --kubeconfig, then $KUBECONFIG, then ~/.kube/config, as helm resolves it. */
  static load(path: string | undefined): KubeClient {
    const file = path ?? process.env.KUBECONFIG?.split(':')[0] ?? join(homedir(), '.kube', 'config');
    const config = parse(readFileSync(file, 'utf8')) as Kubeconfig;
    const context = config.contexts?.find((c) => c.name === config['current-context'])?.context;
    const cluster = config.clusters?.find((c) => c.name === context?.cluster)?.cluster;
    if (!cluster?.server) throw new Error(`Kubernetes cluster unreachable: no server in ${file}`);
    return new KubeClient(cluster.server.replace(/\/$/, ''), context?.namespace ?? 'default');
  }

  async call<T>(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<T> {
    const response = await fetch(`${this.server}${path}`, {
      method,
      headers: body === undefined ? {} : { 'Content-Type': contentType },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    const parsed = text ? (JSON.parse(text) as unknown) : undefined;
    if (!response.ok) {
      const message = (parsed as { message?: string } | undefined)?.message ?? `HTTP ${response.status}`;
      throw new KubeCallError(response.status, message);
    }
    return parsed as T;
  }

  async getOrUndefined<T>(path: string): Promise<T | undefined> {
    try {
      return await this.call<T>('GET', path);
    } catch (error) {
      if (error instanceof KubeCallError && error.code === 404) return undefined;
      throw error;
    }
  }
}

/** The REST path of a kind's collection in a namespace (the kinds a chart may render). */
export function collectionPath(apiVersion: string, kind: string, namespace: string): string {
  const plural = kind.toLowerCase().endsWith('s') ? `${kind.toLowerCase()}es` : `${kind.toLowerCase()}s`;
  const plurals: Record<string, string> = {
    Endpoints: 'endpoints',
    Ingress: 'ingresses',
    NetworkPolicy: 'networkpolicies',
  };
  const base = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
  return `${base}/namespaces/${namespace}/${plurals[kind] ?? plural}`;
}
