import { createHash } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseFor, pruneBackups, restoreBackup, takeBackup } from '../../src/app/db/index.js';
import { closeContext, composeContext } from '../../src/app/compose.js';
import { loadConfig } from '../../src/config/load.js';
import { freePort, tempProject, type Project } from '../helpers/cli.js';

/**
 * The S3 backup store against a SMALL S3-COMPATIBLE TEST SERVER written here
 * (no S3 server is packaged in Debian for this machine): path-style PUT, GET,
 * DELETE and ListObjectsV2 over loopback, objects in memory. It ignores request
 * signatures, so it checks what Rewind sends and reads back, not AWS's auth.
 */
const objects = new Map<string, Buffer>();
let corruptNextPut = false;
let server: Server;
let endpoint = '';
let project: Project;
const SECRET = 'sEcReT-s3-key-never-shown';

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://s3');
      const [, bucket = '', ...rest] = url.pathname.split('/').map(decodeURIComponent);
      const key = `${bucket}/${rest.join('/')}`;
      if (req.method === 'PUT') {
        const body = Buffer.concat(chunks);
        if (corruptNextPut && body.length > 0) {
          body[0] = (body[0] as number) ^ 0xff; // a bad write on the far side
          corruptNextPut = false;
        }
        objects.set(key, body);
        res.writeHead(200, { etag: '"x"' }).end();
      } else if (req.method === 'GET' && url.searchParams.get('list-type') === '2') {
        const prefix = `${bucket}/${url.searchParams.get('prefix') ?? ''}`;
        const keys = [...objects.keys()].filter((k) => k.startsWith(prefix)).map((k) => k.slice(bucket.length + 1));
        const xml = `<?xml version="1.0" encoding="UTF-8"?><ListBucketResult><Name>${bucket}</Name><IsTruncated>false</IsTruncated><KeyCount>${keys.length}</KeyCount>${keys.map((k) => `<Contents><Key>${k}</Key><Size>1</Size></Contents>`).join('')}</ListBucketResult>`;
        res.writeHead(200, { 'content-type': 'application/xml' }).end(xml);
      } else if (req.method === 'GET') {
        const body = objects.get(key);
        if (!body)
          res.writeHead(404, { 'content-type': 'application/xml' }).end('<Error><Code>NoSuchKey</Code></Error>');
        else res.writeHead(200, { 'content-length': body.length }).end(body);
      } else if (req.method === 'DELETE') {
        objects.delete(key);
        res.writeHead(204).end();
      } else res.writeHead(405).end();
    });
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${port}`;
  project = tempProject('rewind-s3-');
  const db = new Database(join(project.dir, 'shop.sqlite'));
  db.exec(
    `CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT); INSERT INTO notes (body) VALUES ('a'), ('b'), ('c');`,
  );
  db.close();
  project.write(
    'rewind.yaml',
    `version: 1
controller: { stateDir: state }
environments: { production: {} }
services:
  api:
    driver: { type: command, start: ["true"], shiftTraffic: ["true"], retire: ["true"] }
databases:
  shop:
    engine: sqlite
    url: shop.sqlite
    backups:
      dir: backups
      store: { type: s3, bucket: rw, prefix: team, endpoint: "${endpoint}", forcePathStyle: true, accessKeyId: AKIATEST, secretAccessKey: "${SECRET}" }
`,
  );
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  project?.cleanup();
});

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('backups copied to an S3-compatible store (small test server)', () => {
  it('uploads every file, reads it back by sha256, fetches it for a restore when the host lost it, prunes it with the local copy', async () => {
    const ctx = composeContext(loadConfig(project.config));
    try {
      const deps = databaseFor(ctx, 'shop').deps({ actor: 'test' });
      const backup = await takeBackup(deps);
      const offsite = backup.manifest.offsite as { status: string; location: string; key: string };
      expect(offsite).toMatchObject({ status: 'uploaded', location: `s3://rw/team/shop/${backup.id}` });
      const files = backup.manifest.files as { name: string; sha256: string }[];
      for (const f of files) expect(sha(objects.get(`rw/team/shop/${backup.id}/${f.name}`) as Buffer)).toBe(f.sha256);
      expect(objects.has(`rw/team/shop/${backup.id}/manifest.json`)).toBe(true);

      // a write the far side got wrong: not counted as uploaded, and said so
      corruptNextPut = true;
      const bad = await takeBackup(deps);
      expect((bad.manifest.offsite as { status: string; detail: string }).status).toBe('failed');
      expect((bad.manifest.offsite as { detail: string }).detail).toMatch(/sha256 [0-9a-f]+, expected/);
      expect((await ctx.store.listEvents({ types: ['backup.upload-failed'] })).map((e) => e.data.backupId)).toEqual([
        bad.id,
      ]);

      // the host lost its backup directory: the restore fetches the copy, checks it, restores it
      const file = join(project.dir, 'shop.sqlite');
      const db = new Database(file);
      db.exec(`DELETE FROM notes`);
      db.close();
      rmSync(backup.path, { recursive: true, force: true });
      const restored = await restoreBackup(deps, backup.id);
      expect(restored.outcome).toBe('restored');
      const after = new Database(file, { readonly: true });
      expect((after.prepare('SELECT count(*) AS n FROM notes').get() as { n: number }).n).toBe(3);
      after.close();
      expect((await ctx.store.listEvents({ types: ['backup.fetched'] })).map((e) => e.data.backupId)).toEqual([
        backup.id,
      ]);

      // retention deletes the remote objects with the local backup
      await pruneBackups(deps, 1);
      const left = (await ctx.store.listBackups({ database: 'shop' })).map((b) => b.id);
      expect(left).toHaveLength(1);
      for (const id of [backup.id, bad.id].filter((i) => !left.includes(i)))
        expect([...objects.keys()].some((k) => k.includes(id))).toBe(false);

      // the secret key is in no event and no catalog entry
      const everything = JSON.stringify([await ctx.store.listEvents({}), await ctx.store.listBackups({})]);
      expect(everything).not.toContain(SECRET);
      expect(readFileSync(project.config, 'utf8')).toContain(SECRET);
    } finally {
      await closeContext(ctx);
    }
  }, 60_000);
});
