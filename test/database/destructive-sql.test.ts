import { describe, expect, it } from 'vitest';
import { findDrops } from '../../src/database/migrations/destructive-sql.js';

describe('finding the statements of a down migration that destroy data', () => {
  it('finds DROP TABLE and ALTER TABLE … DROP [COLUMN], ignoring comments, strings and other drops', () => {
    const sql = `
      -- DROP TABLE in_a_comment;
      /* ALTER TABLE x DROP COLUMN y; */
      INSERT INTO log VALUES ('DROP TABLE in_a_string');
      DROP TABLE IF EXISTS "Orders", public.items CASCADE;
      ALTER TABLE users DROP COLUMN email, DROP CONSTRAINT users_email_key, ADD COLUMN x int;
      ALTER TABLE ONLY accounts DROP IF EXISTS nickname;
      ALTER TABLE \`shop\`.\`carts\` DROP \`coupon\`, DROP INDEX carts_coupon, DROP FOREIGN KEY fk1;
      ALTER TABLE users ALTER COLUMN name DROP NOT NULL;
      DROP INDEX users_name;
    `;
    expect(findDrops(sql)).toEqual([
      { kind: 'table', table: 'Orders' },
      { kind: 'table', table: 'public.items' },
      { kind: 'column', table: 'users', column: 'email' },
      { kind: 'column', table: 'accounts', column: 'nickname' },
      { kind: 'column', table: 'shop.carts', column: 'coupon' },
    ]);
  });
});
