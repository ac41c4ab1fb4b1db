/** `features:` patterns and who a request's user is, as both routers read them. */
import { describe, expect, it } from 'vitest';
import { featureMatcher, featureNames } from '../../src/proxy/users/feature-paths.js';
import { jwtClaimOf, userIdOf } from '../../src/proxy/users/user-identity.js';

describe('feature patterns', () => {
  const features = { checkout: '/api/cart/**', item: '/api/items/*/price', search: '/api/search*' };
  const of = featureMatcher(features);
  it('matches ** as any rest (the bare prefix too), * as one segment, first match wins, else other', () => {
    expect(featureNames(features)).toEqual(['checkout', 'item', 'search', 'other']);
    expect([of('/api/cart'), of('/api/cart/1/lines?x=1'), of('/api/cartx')]).toEqual([0, 0, 3]);
    expect([of('/api/items/7/price'), of('/api/items/7/8/price')]).toEqual([1, 3]);
    expect([of('/api/search?q=a.b'), of('/api/searches'), of('/'), of(undefined)]).toEqual([2, 2, 3, 3]);
  });
});

describe('user ids', () => {
  const jwt = (claims: object) =>
    `Bearer x.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.signature-not-checked`;
  it('reads a header, a cookie, a JWT claim (unverified), or the client address behind a trusted proxy only', () => {
    const raw = [
      'X-User-Id',
      'u1',
      'Cookie',
      'a=1; sid=s9',
      'Authorization',
      jwt({ sub: 'u-42' }),
      'X-Forwarded-For',
      '1.1.1.1, 9.9.9.9',
    ];
    expect(userIdOf({ header: 'x-user-id' }, raw, '10.0.0.1', false)).toBe('u1');
    expect(userIdOf({ cookie: 'sid' }, raw, '10.0.0.1', false)).toBe('s9');
    expect(userIdOf({ jwtClaim: 'sub' }, raw, '10.0.0.1', false)).toBe('u-42');
    expect(userIdOf({ clientAddress: true }, raw, '10.0.0.1', false)).toBe('10.0.0.1');
    expect(userIdOf({ clientAddress: true }, raw, '10.0.0.1', true)).toBe('9.9.9.9');
    expect(jwtClaimOf('Bearer not-a-jwt', 'sub')).toBeUndefined();
    expect(userIdOf({ header: 'x-user-id' }, [], undefined, false)).toBeUndefined();
  });
});
