import { createHmac } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { DeliveryError } from '../../src/notify/delivery-error.js';
import { createSlackNotifier } from '../../src/notify/slack.js';
import { createWebhookNotifier } from '../../src/notify/webhook.js';
import { startReceiver, type Receiver } from '../harness/receiver.js';
import { initiatedData, makeEvent, makeMessage } from './fixtures.js';

let receiver: Receiver | null = null;
afterEach(async () => {
  await receiver?.close();
  receiver = null;
});

describe('slack notifier', () => {
  it('posts Block Kit: header, section with fields, context', async () => {
    receiver = await startReceiver();
    const slack = createSlackNotifier({ name: 'ops', webhookUrl: `${receiver.url}/services/T000/B000/XXXXSECRET` });
    await slack.send(makeMessage(makeEvent('rollback.initiated', initiatedData)));

    const [request] = receiver.accepted();
    expect(request?.method).toBe('POST');
    expect(request?.path).toBe('/services/T000/B000/XXXXSECRET');
    expect(request?.headers['content-type']).toContain('application/json');
    const body = request?.json as {
      text: string;
      blocks: {
        type: string;
        text?: { type: string; text: string };
        fields?: { text: string }[];
        elements?: { text: string }[];
      }[];
    };
    expect(body.text).toContain('Rolling back api in production');
    expect(body.blocks.map((block) => block.type)).toEqual(['header', 'section', 'context']);
    expect(body.blocks[0]?.text).toEqual({
      type: 'plain_text',
      text: 'Rolling back api in production: v1.4.0 → v1.3.2',
      emoji: true,
    });
    expect(body.blocks[1]?.text?.text).toContain('error rate 14% above 10% for 5m');
    const fields = body.blocks[1]?.fields?.map((field) => field.text) ?? [];
    expect(fields).toContain('*Service*\napi');
    expect(fields).toContain('*Environment*\nproduction');
    expect(fields).toContain('*Versions*\nv1.4.0 → v1.3.2');
    expect(body.blocks[2]?.elements?.[0]?.text).toContain('rollback rb_test1');
    expect(body.blocks[2]?.elements?.[0]?.text).toContain('2026-11-21T14:03:07.250Z');
  });

  it('escapes Slack control characters in event text', async () => {
    receiver = await startReceiver();
    const slack = createSlackNotifier({ name: 'ops', webhookUrl: `${receiver.url}/services/T000/B000/XXXXSECRET` });
    await slack.send(makeMessage(makeEvent('rollback.escalated', { reason: 'p95 > 800ms & <!channel> ping' })));
    const body = receiver.accepted()[0]?.json as { blocks: { text?: { text: string } }[] };
    expect(body.blocks[1]?.text?.text).toContain('p95 &gt; 800ms &amp; &lt;!channel&gt; ping');
  });

  it('fails on 5xx as retryable, without the webhook URL in the error', async () => {
    receiver = await startReceiver(() => ({ status: 500, body: `boom at /services/T000/B000/XXXXSECRET` }));
    const webhookUrl = `${receiver.url}/services/T000/B000/XXXXSECRET`;
    const slack = createSlackNotifier({ name: 'ops', webhookUrl });
    const error = await slack.send(makeMessage(makeEvent('rollback.completed', { durationMs: 4200 }))).then(
      () => null,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(DeliveryError);
    expect((error as DeliveryError).retryable).toBe(true);
    expect((error as DeliveryError).message).toContain('HTTP 500');
    expect((error as DeliveryError).message).not.toContain('XXXXSECRET');
    expect(JSON.stringify(error)).not.toContain('XXXXSECRET');
  });

  it('a refused connection is retryable and does not name the URL', async () => {
    receiver = await startReceiver();
    const webhookUrl = `${receiver.url}/services/T111/B111/SECRETPATH`;
    await receiver.close();
    const slack = createSlackNotifier({ name: 'ops', webhookUrl, timeoutMs: 2000 });
    const error = (await slack
      .send(makeMessage(makeEvent('rollback.failed', { error: 'x' })))
      .catch((caught: unknown) => caught)) as DeliveryError;
    expect(error.retryable).toBe(true);
    expect(error.message).toMatch(/could not reach the receiver \(ECONNREFUSED\)/);
    expect(error.message).not.toContain('SECRETPATH');
  });

  it('rejects a bad webhook URL with a usage error that does not echo it', () => {
    expect(() => createSlackNotifier({ name: 'ops', webhookUrl: 'not a url SECRET' })).toThrow(
      /webhookUrl is not a valid URL/,
    );
    try {
      createSlackNotifier({ name: 'ops', webhookUrl: 'not a url SECRET' });
    } catch (error) {
      expect((error as Error).message).not.toContain('SECRET');
      expect((error as { code?: string }).code).toBe('NOTIFIER_CONFIG');
    }
  });
});

describe('webhook notifier', () => {
  it('signs the exact body bytes with HMAC-SHA256', async () => {
    receiver = await startReceiver();
    const secret = 's3cr3t-webhook-key';
    const hook = createWebhookNotifier({ name: 'audit', url: `${receiver.url}/hooks/rewind?token=abcd1234`, secret });
    const event = makeEvent('rollback.initiated', { ...initiatedData, note: 'ünïcödé ✓' });
    await hook.send(makeMessage(event));

    const [request] = receiver.accepted();
    const expected = `sha256=${createHmac('sha256', secret)
      .update(request?.raw ?? Buffer.alloc(0))
      .digest('hex')}`;
    expect(request?.headers['x-rewind-signature']).toBe(expected);
    expect(request?.headers['x-rewind-event']).toBe('rollback.initiated');
    expect(request?.headers['x-rewind-delivery']).toBe(String(event.id));
    const body = request?.json as Record<string, unknown>;
    expect(body).toMatchObject({
      id: event.id,
      type: 'rollback.initiated',
      service: 'api',
      environment: 'production',
      rollbackId: 'rb_test1',
      data: { note: 'ünïcödé ✓', toVersion: 'v1.3.2' },
    });
    expect(body.title).toBe('Rolling back api in production: v1.4.0 → v1.3.2');
    // a wrong secret gives another signature: the receiver can tell
    expect(
      `sha256=${createHmac('sha256', 'other')
        .update(request?.raw ?? Buffer.alloc(0))
        .digest('hex')}`,
    ).not.toBe(request?.headers['x-rewind-signature']);
  });

  it('sends no signature header without a secret', async () => {
    receiver = await startReceiver();
    await createWebhookNotifier({ name: 'audit', url: receiver.url }).send(
      makeMessage(makeEvent('deploy.started', { version: 'v2', revision: 8, strategy: 'bluegreen' })),
    );
    expect(receiver.accepted()[0]?.headers['x-rewind-signature']).toBeUndefined();
  });

  it('a 4xx is not retryable and the error holds neither URL token nor secret', async () => {
    receiver = await startReceiver(() => ({ status: 410, body: 'gone token=abcd1234' }));
    const hook = createWebhookNotifier({
      name: 'audit',
      url: `${receiver.url}/hooks?token=abcd1234`,
      secret: 'the-secret',
    });
    const error = (await hook
      .send(makeMessage(makeEvent('deploy.failed', { reason: 'x' })))
      .catch((caught: unknown) => caught)) as DeliveryError;
    expect(error.retryable).toBe(false);
    expect(error.status).toBe(410);
    expect(error.message).not.toContain('abcd1234');
    expect(error.message).not.toContain('the-secret');
  });
});
