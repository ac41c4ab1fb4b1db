/**
 * The store's records beside releases and rollbacks: a backup in the catalog, and
 * the leadership lease with the fence a write carries. `model.ts` re-exports them.
 */
export type BackupKind = 'full' | 'schema' | 'tables';
export interface Backup {
  id: string;
  database: string;
  kind: BackupKind;
  tables: string[];
  path: string;
  sizeBytes: number;
  /** sha256 of the manifest file */
  sha256: string;
  /** the release revision it guards, when taken for a deploy */
  service: string | null;
  environment: string | null;
  revision: number | null;
  createdAt: number;
  manifest: Record<string, unknown>;
}

/**
 * Leadership as stored. `token` is the fencing token: it grows by one every time
 * the lease changes hands and never goes back, so a write carrying an older token
 * comes from a deposed holder and is refused.
 */
export interface Lease {
  name: string;
  holder: string;
  token: number;
  /** where the holder answers (the leader's API URL), for followers to forward to */
  address: string | null;
  acquiredAt: number;
  renewedAt: number;
  expiresAt: number;
}

/** What a fenced write carries: the lease it was made under. */
export interface Fence {
  name: string;
  token: number;
  /**
   * the store whose lease it is: tokens of different stores (a state dir made anew)
   * are not comparable, so a platform-side fence compares tokens of the same scope only
   */
  scope?: string;
}
