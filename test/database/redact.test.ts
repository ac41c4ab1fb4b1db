import { describe, expect, it } from 'vitest';
import { createRedactor, redactUrl } from '../../src/database/shared/redact.js';
import { checkSuffix, quarantineName, quoteName } from '../../src/database/shared/identifiers.js';

describe('keeping database passwords out of text', () => {
  it('masks the password of a URL, plain and percent-encoded, wherever it appears', () => {
    const url = 'postgres://app:p%40ss-w0rd@db.internal:5432/shop?sslmode=require';
    expect(redactUrl(url)).toBe('postgres://app:***@db.internal:5432/shop?sslmode=require');
    const redact = createRedactor(url);
    const text = `could not connect to ${url}: password "p@ss-w0rd" rejected (p%40ss-w0rd)`;
    const out = redact(text);
    expect(out).not.toContain('p@ss-w0rd');
    expect(out).not.toContain('p%40ss-w0rd');
    expect(out).toContain('postgres://app:***@db.internal:5432/shop');
    // another URL with credentials in the same text is masked too
    expect(redact('mysql://root:hunter2@10.0.0.1/x failed')).toBe('mysql://root:***@10.0.0.1/x failed');
  });

  it('accepts only plain identifiers for tables and quarantine suffixes', () => {
    expect(quoteName('public.orders', '"')).toBe('"public"."orders"');
    expect(quoteName('orders', '`')).toBe('`orders`');
    expect(quarantineName('app.orders', 'rb_01')).toBe('app.orders_quarantine_rb_01');
    expect(() => quoteName('orders; DROP TABLE x', '"')).toThrow(/not a table name/);
    expect(() => checkSuffix('a-b')).toThrow(/letters, digits or _/);
  });
});
