import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchJson } from '../../src/monitor/providers/fetch-json.js';
import { createEmailNotifier } from '../../src/notify/email.js';
import { sendHttp } from '../../src/notify/http.js';
import { createProcessRunner } from '../../src/process/index.js';
import { startReceiver, type Receiver } from '../harness/receiver.js';
import { makeEvent, makeMessage } from '../notify/fixtures.js';

// letters that appear in none of the messages around it: any one of them left over is part of the secret
const SECRET = 'QZQQZQZZQZQQZQZZ';
const LEFTOVER = /[QZ]/;
/** a text whose cut at any length lands inside a copy of the secret for some pad */
const textWith = (pad: number) => `${'.'.repeat(pad)}${`${SECRET} `.repeat(40)}`;
const PADS = Array.from({ length: SECRET.length + 1 }, (_, i) => i);

let receiver: Receiver;
let pad = 0;
beforeAll(async () => {
  receiver = await startReceiver(() => ({ status: 500, body: textWith(pad) }));
});
afterAll(async () => {
  await receiver?.close();
});

describe('secrets are masked before text is cut', () => {
  it('the notification HTTP client: no part of a secret in the error about a refusing receiver', async () => {
    for (pad of PADS) {
      const error = (await sendHttp({
        method: 'POST',
        url: `${receiver.url}/hook`,
        body: '{}',
        secrets: [SECRET],
        what: 'webhook notifier "ops"',
      }).catch((caught: unknown) => caught)) as Error;
      expect(error.message).toContain('HTTP 500');
      expect(error.message, `pad ${pad}`).not.toMatch(LEFTOVER);
    }
  });

  it('the JSON provider: no part of a secret in the error about a body that is not JSON', async () => {
    for (pad of PADS) {
      const result = await fetchJson(`${receiver.url}/api`, { timeoutMs: 10_000, secrets: [SECRET] });
      expect(result.ok).toBe(false);
      const error = result.ok ? '' : result.error;
      expect(error).toContain('not JSON');
      expect(error, `pad ${pad}`).not.toMatch(LEFTOVER);
    }
  });

  it('the e-mail sender: no part of the password in the error about a refused recipient', async () => {
    let reply = '';
    const server = new SMTPServer({
      secure: false,
      disabledCommands: ['STARTTLS'],
      allowInsecureAuth: true,
      logger: false,
      onAuth: (auth, _session, callback) => callback(null, { user: auth.username }),
      // a server that quotes what it was sent back in its refusal
      onRcptTo: (_address, _session, callback) => callback(Object.assign(new Error(reply), { responseCode: 550 })),
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    try {
      const email = createEmailNotifier({
        name: 'mail',
        host: '127.0.0.1',
        port: (server.server.address() as AddressInfo).port,
        secure: false,
        user: 'rewind',
        password: SECRET,
        from: 'rewind@example.test',
        to: 'oncall@example.test',
        timeoutMs: 10_000,
      });
      for (pad of PADS) {
        reply = textWith(pad);
        const error = (await email
          .send(makeMessage(makeEvent('rollback.completed', { durationMs: 1 })))
          .catch((caught: unknown) => caught)) as Error;
        expect(error.message).toContain('[redacted]');
        expect(error.message, `pad ${pad}`).not.toMatch(LEFTOVER);
      }
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

describe('process output', () => {
  it('a line longer than the limit is left out whole, with its length, and the next lines still arrive', async () => {
    const lines: string[] = [];
    const script = "process.stdout.write('x'.repeat(3_000_000)); process.stdout.write('y\\nnext line\\n')";
    const result = await createProcessRunner().run(['node', '-e', script], { onLine: (line) => lines.push(line) });
    expect(result.code).toBe(0);
    expect(lines).toEqual([expect.stringContaining('a line of 3000001 characters was left out'), 'next line']);
  });
});
