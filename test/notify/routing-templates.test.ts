import { describe, expect, it } from 'vitest';
import { DEFAULT_TEMPLATES } from '../../src/notify/default-templates.js';
import { matchesPattern, routeEvent, unknownChannels, type NotificationRoute } from '../../src/notify/routing.js';
import { renderCustomerMessage, renderMessage, renderTemplate } from '../../src/notify/templates.js';
import { initiatedData, makeEvent } from './fixtures.js';

const routes: NotificationRoute[] = [
  { events: ['rollback.*', 'deploy.failed'], environments: ['production'], channels: ['slack-ops', 'pagerduty'] },
  { events: ['deploy.*'], services: ['api', 'web-*'], channels: ['slack-deploys'] },
  { events: ['*'], environments: ['staging'], channels: ['slack-staging', 'nowhere'] },
  { events: ['rollback.completed', 'rollback.initiated'], channels: ['status', 'slack-ops'] },
];
const channels = ['slack-ops', 'pagerduty', 'slack-deploys', 'slack-staging', 'status'];

describe('routeEvent', () => {
  it('matches glob-ish event types, environments and services, without duplicates', () => {
    expect(routeEvent(makeEvent('rollback.initiated'), routes, channels)).toEqual(['slack-ops', 'pagerduty', 'status']);
    expect(routeEvent(makeEvent('rollback.step-started'), routes, channels)).toEqual(['slack-ops', 'pagerduty']);
    expect(routeEvent(makeEvent('deploy.failed'), routes, channels)).toEqual([
      'slack-ops',
      'pagerduty',
      'slack-deploys',
    ]);
    expect(routeEvent(makeEvent('deploy.started', {}, { service: 'web-eu' }), routes, channels)).toEqual([
      'slack-deploys',
    ]);
    expect(routeEvent(makeEvent('deploy.started', {}, { service: 'worker' }), routes, channels)).toEqual([]);
    expect(routeEvent(makeEvent('trigger.fired', {}, { environment: 'staging' }), routes, channels)).toEqual([
      'slack-staging',
    ]);
  });

  it('a filtered route does not match an event without service or environment; unknown channels are skipped', () => {
    expect(routeEvent(makeEvent('deploy.started', {}, { service: null }), routes, channels)).toEqual([]);
    expect(routeEvent(makeEvent('rollback.failed', {}, { environment: null }), routes, channels)).toEqual([]);
    expect(unknownChannels(routes, channels)).toEqual(['nowhere']);
  });

  it('matchesPattern treats only * as special', () => {
    expect(matchesPattern('rollback.*', 'rollback.step-finished')).toBe(true);
    expect(matchesPattern('rollback.*', 'rollbackXinitiated')).toBe(false);
    expect(matchesPattern('*.failed', 'deploy.failed')).toBe(true);
    expect(matchesPattern('api', 'api2')).toBe(false);
    expect(matchesPattern('a+b(c)', 'a+b(c)')).toBe(true);
  });
});

const vocabulary: [string, Record<string, unknown>][] = [
  ['deploy.started', { version: 'v1.4.0', revision: 7, strategy: 'canary' }],
  ['deploy.ready', { revision: 7 }],
  ['deploy.promoted', { revision: 7, version: 'v1.4.0' }],
  ['deploy.failed', { revision: 7, reason: 'readiness probe failed' }],
  [
    'trigger.fired',
    {
      trigger: 'error-rate',
      metric: 'error_rate',
      value: 0.14,
      threshold: 0.1,
      op: 'above',
      windowMs: 300_000,
      samples: 30,
      severity: 'critical',
      revision: 7,
    },
  ],
  [
    'decision.made',
    {
      action: 'ask',
      rule: 'prod-ask',
      reason: 'error rate high',
      approvalId: 'ap_1',
      approveCommand: 'rewind approve ap_1',
      rejectCommand: 'rewind reject ap_1',
    },
  ],
  ['rollback.initiated', initiatedData],
  ['rollback.step-started', { index: 2, name: 'shift-traffic', title: 'shift traffic to revision 6' }],
  ['rollback.step-finished', { index: 2, name: 'shift-traffic', status: 'done', durationMs: 1250 }],
  ['rollback.step-failed', { index: 2, name: 'shift-traffic', error: 'proxy unreachable' }],
  ['rollback.traffic-restored', { toRevision: 6, atMs: 1 }],
  ['rollback.completed', { durationMs: 42_500, failedRequests: 17, totalRequests: 9000 }],
  ['rollback.escalated', { reason: 'watch failed' }],
  ['rollback.failed', { error: 'driver crashed' }],
  ['approval.requested', { approvalId: 'ap_1', deadline: Date.UTC(2026, 10, 21, 14, 10), onTimeout: 'rollback' }],
  ['approval.approved', { approvalId: 'ap_1', by: 'alice', reason: 'go' }],
  ['approval.rejected', { approvalId: 'ap_1', by: 'bob', reason: 'false alarm' }],
  ['approval.timeout', { approvalId: 'ap_1', onTimeout: 'rollback' }],
  ['drill.started', { fault: 'error-burst' }],
  [
    'drill.finished',
    {
      fault: 'error-burst',
      outcome: 'passed',
      detectedAfterMs: 12_000,
      trafficRestoredAfterMs: 31_000,
      targetsMissed: [],
    },
  ],
  ['target.missed', { target: 'decisionToExecution', measuredMs: 95_000, targetMs: 60_000 }],
];

describe('renderMessage', () => {
  it('renders a title and text for every event type of the vocabulary, with no placeholders left', () => {
    for (const [type, data] of vocabulary) {
      expect(DEFAULT_TEMPLATES[type], type).toBeDefined();
      const { title, text } = renderMessage(makeEvent(type, data));
      expect(title.length, type).toBeGreaterThan(5);
      expect(text.length, type).toBeGreaterThan(5);
      expect(`${title} ${text}`, type).not.toContain('{{');
    }
  });

  it('fills the documented variables', () => {
    expect(
      renderMessage(
        makeEvent('rollback.completed', { durationMs: 42_500, failedRequests: 17, totalRequests: 9000 }),
        {},
        initiatedData,
      ),
    ).toEqual({
      title: 'Rolled back api in production to v1.3.2',
      text: 'Rollback rb_test1 of api completed in 42.5s: v1.3.2 (revision 6) is live and stable. Failed requests: 17 of 9000.',
    });
    const approval = renderMessage(makeEvent('decision.made', vocabulary[5]?.[1]));
    expect(approval.text).toContain('rewind approve ap_1');
    expect(renderMessage(makeEvent('target.missed', vocabulary[20]?.[1])).text).toBe(
      'decisionToExecution took 1m 35s; the target is 1m 0s (rollback rb_test1).',
    );
    expect(renderMessage(makeEvent('approval.requested', vocabulary[14]?.[1])).text).toContain(
      '2026-11-21T14:10:00.000Z',
    );
  });

  it('uses overrides passed as strings, by full key or alias; a missing variable is empty', () => {
    const templates = {
      initiated: 'ROLLBACK {{service}}@{{environment}} {{fromVersion}}->{{toVersion}} because {{reason}} [{{nope}}]',
      'completed.title': 'done {{rollbackId}} in {{duration}}',
      'deploy.started': '{{data.version}} by {{actor}}',
    };
    expect(renderMessage(makeEvent('rollback.initiated', initiatedData), templates).text).toBe(
      'ROLLBACK api@production v1.4.0->v1.3.2 because error rate 14% above 10% for 5m []',
    );
    expect(renderMessage(makeEvent('rollback.completed', { durationMs: 1500 }), templates).title).toBe(
      'done rb_test1 in 1.50s',
    );
    expect(renderMessage(makeEvent('deploy.started', { version: 'v9' }), templates).text).toBe('v9 by rewind');
    expect(renderTemplate('{{ a }}-{{b}}-{{c.d}}', { a: '1' })).toBe('1--');
  });

  it('never throws on odd data, and unknown types fall back to the event message', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() =>
      renderMessage(makeEvent('rollback.initiated', { fromVersion: null, steps: 'not-an-array', weird: cyclic })),
    ).not.toThrow();
    expect(renderMessage(makeEvent('custom.thing', {}, { message: 'hello' }))).toEqual({
      title: 'custom.thing: api production',
      text: 'hello',
    });
  });

  it('has customer-facing messages for initiated, escalated and completed only', () => {
    expect(renderCustomerMessage(makeEvent('rollback.initiated', initiatedData))?.title).toBe('Degraded service: api');
    expect(renderCustomerMessage(makeEvent('rollback.failed', {}))?.text).toContain('still working');
    expect(renderCustomerMessage(makeEvent('rollback.completed', {}))?.text).toContain(
      'resolved; service was restored at 14:03:07 UTC',
    );
    expect(renderCustomerMessage(makeEvent('trigger.fired', {}))).toBeNull();
    expect(
      renderCustomerMessage(makeEvent('rollback.completed', {}), { 'customer.completed': 'All good on {{service}}.' })
        ?.text,
    ).toBe('All good on api.');
  });
});
