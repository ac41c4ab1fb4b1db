/**
 * The front door's share of `services.<name>.users` and `features`: the key,
 * the patterns and where the project's hashing secret lives
 * (`<stateDir>/users.key`, made on first use, mode 0600).
 */
import { join } from 'node:path';
import type { LoadedConfig } from '../../config/load.js';
import { userSecret } from '../../proxy/users/user-identity.js';
import type { UserCounting } from '../../proxy/users/user-identity.js';

export function userSecretFile(stateDir: string): string {
  return join(stateDir, 'users.key');
}

/** `{ users }` for a router's options, or nothing when the service counts neither users nor features. */
export function userCountingOf(loaded: LoadedConfig, service: string): { users?: UserCounting } {
  const config = loaded.config.services[service];
  const features = config?.features ?? {};
  if (config?.users === undefined && Object.keys(features).length === 0) return {};
  const secretFile = userSecretFile(loaded.stateDir);
  userSecret(secretFile, true);
  const { header, cookie, jwtClaim, clientAddress } = config?.users ?? {};
  const key =
    header !== undefined
      ? { header }
      : cookie !== undefined
        ? { cookie }
        : jwtClaim !== undefined
          ? { jwtClaim }
          : clientAddress === true
            ? { clientAddress }
            : undefined;
  return { users: { ...(key === undefined ? {} : { key }), features, secretFile } };
}
