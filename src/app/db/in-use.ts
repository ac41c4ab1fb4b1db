/**
 * Backups a restore or a verification is reading right now: retention must not
 * delete them under it. Process-wide, because a backup id is unique everywhere.
 */
const held = new Map<string, number>();

/** Marks `id` in use until the returned release is called (calling it twice is harmless). */
export function holdBackup(id: string): () => void {
  held.set(id, (held.get(id) ?? 0) + 1);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    const n = (held.get(id) ?? 1) - 1;
    if (n <= 0) held.delete(id);
    else held.set(id, n);
  };
}

export const heldBackups = (): string[] => [...held.keys()];
