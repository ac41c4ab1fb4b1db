/** What a router builds once from the service's `users:` and `features:` to count each request. */
import { featureMatcher, featureNames } from './feature-paths.js';
import { createUserHasher, userIdOf, userSecret } from './user-identity.js';
import type { UserCounting } from './user-identity.js';

export interface UserCountingParts {
  /** feature names in index order, `other` last */
  names: string[];
  /** the request's user as a 52-bit keyed hash, -1 when it names none; undefined when users are not counted */
  identify: ((raw: readonly string[], address: string | undefined, trusted: boolean) => number) | undefined;
  featureOf: (url: string | undefined) => number;
}

export function userCountingParts(users: UserCounting | undefined): UserCountingParts {
  const features = users?.features ?? {};
  const names = featureNames(features);
  const featureOf = featureMatcher(features);
  if (users?.key === undefined) return { names, identify: undefined, featureOf };
  const hash = createUserHasher(userSecret(users.secretFile));
  const { key } = users;
  return {
    names,
    featureOf,
    identify: (raw, address, trusted) => {
      const id = userIdOf(key, raw, address, trusted);
      return id === undefined ? -1 : hash(id);
    },
  };
}
