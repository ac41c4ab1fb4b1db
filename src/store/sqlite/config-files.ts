import type { Database } from 'better-sqlite3';
import type { ConfigFile } from '../../core/model.js';

/** The config files of each release, verbatim, in the order `configFiles` lists them. */
export function configFileQueries(db: Database) {
  const save = db.transaction((releaseId: string, files: ConfigFile[], at: number) => {
    db.prepare('DELETE FROM release_config_files WHERE release_id = ?').run(releaseId);
    const insert = db.prepare(
      'INSERT INTO release_config_files (release_id, path, content, position, saved_at) VALUES (?, ?, ?, ?, ?)',
    );
    files.forEach((file, i) => insert.run(releaseId, file.path, file.content, i, at));
  });
  return {
    saveConfigFiles: async (releaseId: string, files: ConfigFile[], at: number): Promise<void> => {
      save(releaseId, files, at);
    },
    configFiles: async (releaseId: string): Promise<ConfigFile[]> =>
      (
        db
          .prepare('SELECT path, content FROM release_config_files WHERE release_id = ? ORDER BY position')
          .all(releaseId) as { path: string; content: string | null }[]
      ).map((row) => ({ path: row.path, content: row.content })),
  };
}
