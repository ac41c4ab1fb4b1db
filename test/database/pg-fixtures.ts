import pg from 'pg';

/** Helpers shared by the PostgreSQL tests: a small shop schema and per-table checksums. */
export async function withPg<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => {});
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => {});
  }
}

export async function createShop(url: string): Promise<void> {
  await withPg(url, (c) =>
    c.query(`
      CREATE TABLE customers (id serial PRIMARY KEY, name text NOT NULL);
      CREATE TABLE orders (id serial PRIMARY KEY, customer_id int NOT NULL REFERENCES customers(id) ON DELETE CASCADE, amount int NOT NULL);
      CREATE INDEX orders_customer ON orders(customer_id);
      CREATE TABLE audit (id serial PRIMARY KEY, note text);
      INSERT INTO customers (name) SELECT 'customer ' || g FROM generate_series(1, 50) g;
      INSERT INTO orders (customer_id, amount) SELECT 1 + g % 50, g * 3 FROM generate_series(1, 500) g;
      INSERT INTO audit (note) SELECT 'note ' || g FROM generate_series(1, 20) g;
    `),
  );
}

/** md5 of every row of each table, in a stable order. */
export async function checksums(
  url: string,
  tables = ['customers', 'orders', 'audit'],
): Promise<Record<string, string>> {
  return withPg(url, async (c) => {
    const out: Record<string, string> = {};
    for (const t of tables) {
      const { rows } = await c.query<{ h: string | null }>(
        `SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) AS h FROM ${t} t`,
      );
      out[t] = rows[0]?.h ?? '';
    }
    return out;
  });
}

export async function damageShop(url: string): Promise<void> {
  await withPg(url, (c) =>
    c.query(`
      UPDATE customers SET name = 'BROKEN ' || id WHERE id % 3 = 0;
      DELETE FROM orders WHERE id % 4 = 0;
      INSERT INTO orders (customer_id, amount) VALUES (1, -1), (2, -2);
      UPDATE audit SET note = NULL WHERE id < 5;
    `),
  );
}
