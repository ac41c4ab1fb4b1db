/**
 * The simulator's patch and selector logic without a server: RFC 6902 and
 * RFC 7386 examples, and the strategic-merge behaviour the Kubernetes
 * documentation describes ("Update API Objects in Place Using kubectl patch").
 */
import { describe, expect, it } from 'vitest';
import { jsonPatch, mergePatch } from '../../src/sim/kubernetes/patch.js';
import { parseLabelSelector } from '../../src/sim/kubernetes/selectors.js';
import { strategicMerge } from '../../src/sim/kubernetes/strategic-merge.js';
import { podTemplateHash } from '../../src/sim/kubernetes/template-hash.js';
import { humanAge } from '../../src/sim/kubernetes/table.js';
import type { Json } from '../../src/sim/kubernetes/types.js';

const pod = (containers: Json): Json => ({ spec: { containers } });

describe('patches and selectors of the simulated API server', () => {
  it('merge patch: RFC 7386 example', () => {
    const target = { a: 'b', c: { d: 'e', f: 'g' } };
    expect(mergePatch(target, { a: 'z', c: { f: null } })).toEqual({ a: 'z', c: { d: 'e' } });
    // Lists are replaced whole: a merge patch of containers drops the other containers.
    expect(mergePatch(pod([{ name: 'a' }, { name: 'b' }]), pod([{ name: 'b', image: 'x' }]))).toEqual(
      pod([{ name: 'b', image: 'x' }]),
    );
  });

  it('JSON patch: add, remove, replace, move, copy, test; a missing path fails', () => {
    const doc = { spec: { selector: { app: 'web' }, ports: [{ port: 80 }] } };
    const out = jsonPatch(doc, [
      { op: 'add', path: '/spec/selector/color', value: 'blue' },
      { op: 'add', path: '/spec/ports/-', value: { port: 443 } },
      { op: 'replace', path: '/spec/ports/0/port', value: 8080 },
      { op: 'copy', from: '/spec/selector/app', path: '/spec/name' },
      { op: 'move', from: '/spec/name', path: '/spec/label' },
      { op: 'remove', path: '/spec/selector/app' },
      { op: 'test', path: '/spec/label', value: 'web' },
    ]);
    expect(out).toEqual({
      spec: { selector: { color: 'blue' }, ports: [{ port: 8080 }, { port: 443 }], label: 'web' },
    });
    expect(doc.spec.selector).toEqual({ app: 'web' });
    expect(() => jsonPatch(doc, [{ op: 'replace', path: '/spec/nothere/x', value: 1 }])).toThrow(
      'the server rejected our request',
    );
    expect(() => jsonPatch(doc, [{ op: 'test', path: '/spec/selector/app', value: 'api' }])).toThrow();
  });

  it('strategic merge: containers and env merge by name, $patch delete removes, $setElementOrder orders', () => {
    const current = pod([
      {
        name: 'web',
        image: 'web:v1',
        env: [
          { name: 'A', value: '1' },
          { name: 'B', value: '2' },
        ],
      },
      { name: 'sidecar', image: 'proxy:1' },
    ]);
    const patched = strategicMerge(current, {
      spec: {
        containers: [
          {
            name: 'web',
            image: 'web:v2',
            env: [
              { name: 'B', $patch: 'delete' },
              { name: 'C', value: '3' },
            ],
          },
        ],
      },
    } as Json);
    expect(patched).toEqual(
      pod([
        {
          name: 'web',
          image: 'web:v2',
          env: [
            { name: 'A', value: '1' },
            { name: 'C', value: '3' },
          ],
        },
        { name: 'sidecar', image: 'proxy:1' },
      ]),
    );
    const ordered = strategicMerge(current, {
      spec: {
        '$setElementOrder/containers': [{ name: 'sidecar' }, { name: 'web' }],
        containers: [{ name: 'web', image: 'web:v3' }],
      },
    });
    expect(
      (ordered as { spec: { containers: { name: string; image: string }[] } }).spec.containers.map(
        (c) => `${c.name}=${c.image}`,
      ),
    ).toEqual(['sidecar=proxy:1', 'web=web:v3']);
    expect(strategicMerge({ metadata: { labels: { a: '1', b: '2' } } }, { metadata: { labels: { a: null } } })).toEqual(
      { metadata: { labels: { b: '2' } } },
    );
    expect(
      strategicMerge(pod([{ name: 'a' }]), { spec: { containers: [{ $patch: 'replace' }, { name: 'z' }] } }),
    ).toEqual(pod([{ name: 'z' }]));
  });

  it('label selectors: equality, inequality, set-based, existence', () => {
    const labels = { app: 'web', tier: 'front', color: 'blue' };
    expect(parseLabelSelector('app=web,color==blue')(labels)).toBe(true);
    expect(parseLabelSelector('app!=web')(labels)).toBe(false);
    expect(parseLabelSelector('tier in (front,back),color notin (green)')(labels)).toBe(true);
    expect(parseLabelSelector('canary')(labels)).toBe(false);
    expect(parseLabelSelector('!canary')(labels)).toBe(true);
  });

  it('pod-template-hash uses the SafeEncodeString alphabet and follows the template', () => {
    const t = (image: string) => ({
      metadata: { labels: { app: 'web' } },
      spec: { containers: [{ name: 'web', image }] },
    });
    expect(podTemplateHash(t('a:1'))).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]{6,10}$/);
    expect(podTemplateHash(t('a:1'))).toBe(podTemplateHash(t('a:1')));
    expect(podTemplateHash(t('a:2'))).not.toBe(podTemplateHash(t('a:1')));
    expect(podTemplateHash(t('a:1'), 1)).not.toBe(podTemplateHash(t('a:1')));
  });

  it('AGE reads as kubectl prints it', () => {
    expect([45_000, 123_000, 720_000, 3 * 3600_000 + 300_000, 50 * 3600_000].map(humanAge)).toEqual([
      '45s',
      '2m3s',
      '12m',
      '3h5m',
      '2d',
    ]);
  });
});
