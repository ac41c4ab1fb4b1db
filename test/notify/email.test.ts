import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterEach, describe, expect, it } from 'vitest';
import { createEmailNotifier } from '../../src/notify/email.js';
import { initiatedData, makeEvent, makeMessage } from './fixtures.js';

interface Mail {
  from: string;
  to: string[];
  raw: string;
  user: string | undefined;
}

let server: SMTPServer | null = null;
afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = null;
});

/** A real SMTP server on loopback that keeps every message (no TLS, optional AUTH). */
async function startSmtp(
  options: { password?: string; rejectRcpt?: boolean } = {},
): Promise<{ port: number; mails: Mail[] }> {
  const mails: Mail[] = [];
  server = new SMTPServer({
    secure: false,
    disabledCommands: options.password ? ['STARTTLS'] : ['STARTTLS', 'AUTH'],
    allowInsecureAuth: true,
    authOptional: !options.password,
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === 'rewind' && auth.password === options.password) callback(null, { user: auth.username });
      else callback(new Error('Invalid username or password'));
    },
    onRcptTo(address, _session, callback) {
      if (options.rejectRcpt) {
        const error = new Error('no such user') as Error & { responseCode: number };
        error.responseCode = 550;
        callback(error);
      } else callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        mails.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((rcpt) => rcpt.address),
          raw: Buffer.concat(chunks).toString('utf8'),
          user: session.user as string | undefined,
        });
        callback();
      });
    },
  });
  const smtp = server;
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', () => resolve()));
  const port = (smtp.server.address() as AddressInfo).port;
  return { port, mails };
}

describe('email notifier', () => {
  it('delivers subject and body through SMTP with AUTH', async () => {
    const smtp = await startSmtp({ password: 'pa55word' });
    const email = createEmailNotifier({
      name: 'mail',
      host: '127.0.0.1',
      port: smtp.port,
      secure: false,
      user: 'rewind',
      password: 'pa55word',
      from: 'Rewind <rewind@example.test>',
      to: ['oncall@example.test', 'sre@example.test'],
    });
    await email.send(makeMessage(makeEvent('rollback.initiated', initiatedData)));

    expect(smtp.mails).toHaveLength(1);
    const [mail] = smtp.mails;
    expect(mail?.user).toBe('rewind');
    expect(mail?.from).toBe('rewind@example.test');
    expect(mail?.to).toEqual(['oncall@example.test', 'sre@example.test']);
    const raw = mail?.raw ?? '';
    const split = raw.indexOf('\r\n\r\n');
    const head = raw.slice(0, split);
    const body = raw.slice(split + 4);
    const headers = head.replace(/\r\n[ \t]/g, ' ');
    const subject = /^Subject: (.*)$/m.exec(headers)?.[1] ?? '';
    expect(decodeWords(subject)).toBe('Rolling back api in production: v1.4.0 → v1.3.2');
    expect(headers).toContain('X-Rewind-Event: rollback.initiated');
    const decoded = decodeQuotedPrintable(body);
    expect(decoded).toContain('error rate 14% above 10% for 5m');
    expect(decoded).toContain('automatic rollback rb_test1 started by rewind: api v1.4.0 (revision 7) → v1.3.2');
    expect(decoded).toContain('Rollback:    rb_test1');
  });

  it('a wrong password fails without the password in the error', async () => {
    const smtp = await startSmtp({ password: 'pa55word' });
    const email = createEmailNotifier({
      name: 'mail',
      host: '127.0.0.1',
      port: smtp.port,
      secure: false,
      user: 'rewind',
      password: 'wrong-pa55',
      from: 'rewind@example.test',
      to: 'oncall@example.test',
      timeoutMs: 5000,
    });
    const error = (await email
      .send(makeMessage(makeEvent('rollback.failed', { error: 'x' })))
      .catch((caught: unknown) => caught)) as Error & { retryable: boolean };
    expect(error).toBeInstanceOf(Error);
    expect(error.message).toContain('EAUTH');
    expect(error.message).not.toContain('wrong-pa55');
    expect(smtp.mails).toHaveLength(0);
  });

  it('a refused recipient (550) is permanent', async () => {
    const smtp = await startSmtp({ rejectRcpt: true });
    const email = createEmailNotifier({
      name: 'mail',
      host: '127.0.0.1',
      port: smtp.port,
      secure: false,
      from: 'rewind@example.test',
      to: 'nobody@example.test',
      timeoutMs: 5000,
    });
    const error = (await email
      .send(makeMessage(makeEvent('rollback.completed', { durationMs: 1 })))
      .catch((caught: unknown) => caught)) as Error & { retryable: boolean };
    expect(error.retryable).toBe(false);
  });

  it('rejects options without recipients', () => {
    expect(() =>
      createEmailNotifier({ name: 'mail', host: 'localhost', port: 25, secure: false, from: 'a@b.c', to: [] }),
    ).toThrow(/to must be one or more e-mail addresses/);
  });
});

/** RFC 2047 encoded words (`=?UTF-8?Q?…?=` / `?B?`), adjacent ones joined. */
function decodeWords(text: string): string {
  return text
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/=\?UTF-8\?([QB])\?([^?]*)\?=/gi, (_m, kind: string, data: string) =>
      kind.toUpperCase() === 'B'
        ? Buffer.from(data, 'base64').toString('utf8')
        : decodeQuotedPrintable(data.replace(/_/g, ' ')),
    );
}

function decodeQuotedPrintable(text: string): string {
  const soft = text.replace(/=\r?\n/g, '');
  const bytes: number[] = [];
  for (let i = 0; i < soft.length; i++) {
    const hex = soft.slice(i + 1, i + 3);
    if (soft[i] === '=' && /^[0-9A-F]{2}$/i.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else bytes.push(...Buffer.from(soft[i] ?? '', 'utf8'));
  }
  return Buffer.from(bytes).toString('utf8');
}
