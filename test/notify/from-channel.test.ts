import { describe, expect, it } from 'vitest';
import type { ChannelConfig } from '../../src/config/schema/index.js';
import { createNotifierFromChannel } from '../../src/notify/from-channel.js';
import { startReceiver } from '../harness/receiver.js';
import { makeEvent, makeMessage } from './fixtures.js';

describe('createNotifierFromChannel', () => {
  it('builds each channel type of rewind.yaml; the status page uses `url` as its base', async () => {
    const receiver = await startReceiver((request) =>
      request.path === '/sp/incidents' ? { status: 201, body: { id: 'i1' } } : undefined,
    );
    try {
      const channels: ChannelConfig[] = [
        { name: 's', type: 'slack', webhookUrl: `${receiver.url}/slack/abcdef` },
        { name: 'p', type: 'pagerduty', routingKey: 'KEY-123456', url: `${receiver.url}/pd` },
        { name: 'w', type: 'webhook', url: `${receiver.url}/hook` },
        { name: 'sp', type: 'statuspage', url: `${receiver.url}/sp` },
        { name: 'm', type: 'email', host: '127.0.0.1', port: 2525, secure: false, from: 'a@b.c', to: ['d@e.f'] },
      ];
      const notifiers = channels.map((channel) => createNotifierFromChannel(channel));
      expect(notifiers.map((notifier) => [notifier.name, notifier.type])).toEqual([
        ['s', 'slack'],
        ['p', 'pagerduty'],
        ['w', 'webhook'],
        ['sp', 'statuspage'],
        ['m', 'email'],
      ]);
      const message = makeMessage(makeEvent('rollback.initiated', { fromVersion: 'v2', toVersion: 'v1' }));
      for (const notifier of notifiers.slice(0, 4)) await notifier.send(message);
      expect(receiver.accepted().map((request) => request.path)).toEqual([
        '/slack/abcdef',
        '/pd',
        '/hook',
        '/sp/incidents',
      ]);
    } finally {
      await receiver.close();
    }
  });
});
