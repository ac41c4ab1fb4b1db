import type { ValidationCheck } from './database.js';

/** One file of a backup directory as its manifest lists it. */
export interface StoredFile {
  name: string;
  sizeBytes: number;
  sha256: string;
}

/**
 * Where backups live besides the host that took them. The local backup
 * directory is the embedded default (no store); an object store keeps a copy for
 * when the host itself is what failed. Keys are `<database>/<backup id>`.
 */
export interface BackupStore {
  /** where copies go, without credentials: "s3://bucket/prefix" */
  readonly location: string;
  /**
   * Copies every file of `dir` (and its manifest.json) under `key`, then reads each
   * object back and compares its sha256 with `files` (the manifest's) and
   * `manifestSha256`: one check per object.
   */
  upload(dir: string, key: string, files: StoredFile[], manifestSha256: string): Promise<ValidationCheck[]>;
  /** Fetches every object under `key` into `dir` (created); the restore re-checks the checksums. */
  download(key: string, dir: string): Promise<number>;
  /** Deletes every object under `key`; deleting nothing is fine. */
  remove(key: string): Promise<void>;
}
