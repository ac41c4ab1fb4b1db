import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

/**
 * Short, unambiguous ids with a prefix that says what they name:
 * `rb_` rollback, `rel_` release, `ap_` approval, `bk_` backup.
 * The time part keeps them roughly sortable by creation.
 */
export function newId(prefix: string, at: number = Date.now()): string {
  let time = '';
  let t = Math.floor(at / 1000);
  for (let i = 0; i < 6; i++) {
    time = ALPHABET[t % 32] + time;
    t = Math.floor(t / 32);
  }
  const bytes = randomBytes(5);
  let rand = '';
  for (const byte of bytes) rand += ALPHABET[byte % 32];
  return `${prefix}_${time}${rand}`;
}
