import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type * as S3Sdk from '@aws-sdk/client-s3';
import type { BackupStore, StoredFile } from '../../core/ports/backup-store.js';
import type { ValidationCheck } from '../../core/ports/database.js';
import { MANIFEST_FILE } from '../shared/manifest.js';
import type { Redactor } from '../shared/redact.js';

/** Options of {@link createS3BackupStore}. */
export interface S3StoreOptions {
  bucket: string;
  /** key prefix inside the bucket; default none */
  prefix?: string;
  /** an S3-compatible endpoint (MinIO, Ceph, Garage…); default AWS */
  endpoint?: string;
  /** default us-east-1 */
  region?: string;
  /** default: the SDK's own chain (environment, profile, instance role) */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** bucket in the path rather than the host name (most S3-compatible servers); default false */
  forcePathStyle?: boolean;
  /** masks credentials in every error */
  redact: Redactor;
}

/**
 * Backups copied to an S3-compatible object store through the official AWS SDK
 * for JavaScript v3. Every upload is read back and compared by sha256 with the
 * manifest before it counts; credentials never appear in errors.
 */
export function createS3BackupStore(options: S3StoreOptions): BackupStore {
  // the SDK is loaded on first use: every other command starts without it
  let loaded: Promise<{ client: S3Sdk.S3Client; sdk: typeof S3Sdk }> | null = null;
  const s3 = () =>
    (loaded ??= import('@aws-sdk/client-s3').then((sdk) => ({
      sdk,
      client: new sdk.S3Client({
        region: options.region ?? 'us-east-1',
        ...(options.endpoint ? { endpoint: options.endpoint } : {}),
        ...(options.credentials ? { credentials: options.credentials } : {}),
        forcePathStyle: options.forcePathStyle ?? false,
        // the sha256 read-back below is the check; no extra trailers for servers that do not know them
        requestChecksumCalculation: 'WHEN_REQUIRED',
        responseChecksumValidation: 'WHEN_REQUIRED',
      }),
    })));
  const Bucket = options.bucket;
  const root = (options.prefix ?? '').replace(/^\/+|\/+$/g, '');
  const keyOf = (key: string, name = '') => [root, key, name].filter(Boolean).join('/');
  const fail = (error: unknown): never => {
    throw new Error(`s3://${Bucket}: ${options.redact(error instanceof Error ? error.message : String(error))}`);
  };
  const list = async (key: string): Promise<string[]> => {
    const keys: string[] = [];
    let ContinuationToken: string | undefined;
    do {
      const { client, sdk } = await s3();
      const page = await client
        .send(new sdk.ListObjectsV2Command({ Bucket, Prefix: `${keyOf(key)}/`, ContinuationToken }))
        .catch(fail);
      for (const object of page.Contents ?? []) if (object.Key) keys.push(object.Key);
      ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (ContinuationToken);
    return keys;
  };
  const readBack = async (Key: string): Promise<string> => {
    const { client, sdk } = await s3();
    const object = await client.send(new sdk.GetObjectCommand({ Bucket, Key })).catch(fail);
    const hash = createHash('sha256');
    for await (const chunk of object.Body as Readable) hash.update(chunk as Buffer);
    return hash.digest('hex');
  };

  return {
    location: `s3://${Bucket}${root ? `/${root}` : ''}`,
    async upload(dir, key, files, manifestSha256) {
      const all: StoredFile[] = [
        ...files,
        { name: MANIFEST_FILE, sizeBytes: (await stat(join(dir, MANIFEST_FILE))).size, sha256: manifestSha256 },
      ];
      const { client, sdk } = await s3();
      for (const file of all) {
        const path = join(dir, file.name);
        // what is on disk now is what goes up; the read-back compares with the manifest
        const Body = createReadStream(path);
        const ContentLength = (await stat(path)).size;
        await client
          .send(new sdk.PutObjectCommand({ Bucket, Key: keyOf(key, file.name), Body, ContentLength }))
          .catch(fail);
      }
      const checks: ValidationCheck[] = [];
      for (const file of all) {
        const got = await readBack(keyOf(key, file.name));
        checks.push({
          name: `uploaded ${file.name}`,
          ok: got === file.sha256,
          detail: got === file.sha256 ? 'sha256 matches' : `sha256 ${got}, expected ${file.sha256}`,
        });
      }
      return checks;
    },
    async download(key, dir) {
      const keys = await list(key);
      const { client, sdk } = await s3();
      for (const Key of keys) {
        const target = join(dir, Key.slice(keyOf(key).length + 1));
        await mkdir(dirname(target), { recursive: true, mode: 0o700 });
        const object = await client.send(new sdk.GetObjectCommand({ Bucket, Key })).catch(fail);
        await pipeline(object.Body as Readable, createWriteStream(target, { mode: 0o600 }));
      }
      return keys.length;
    },
    async remove(key) {
      const { client, sdk } = await s3();
      for (const Key of await list(key)) await client.send(new sdk.DeleteObjectCommand({ Bucket, Key })).catch(fail);
    },
  };
}
