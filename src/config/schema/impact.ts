import { z } from 'zod';

/**
 * Who a user is and which features their requests belong to, for counting
 * users served and affected per release (the runbooks' "Users affected: X").
 * Exactly one way of telling users apart; the identifier is hashed with the
 * project's secret key inside the front door and never stored in clear.
 */
export const usersSchema = z
  .strictObject({
    header: z
      .string()
      .regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, { error: 'expected an HTTP header name like "X-User-Id"' })
      .optional()
      .describe('a request header that carries the user id, e.g. X-User-Id'),
    cookie: z
      .string()
      .regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, { error: 'expected a cookie name like "session_user"' })
      .optional()
      .describe('a cookie that carries the user id'),
    jwtClaim: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: 'expected a claim name like "sub"' })
      .optional()
      .describe('a claim of the bearer JWT (decoded, NOT verified: the upstream verifies tokens), e.g. sub'),
    clientAddress: z
      .literal(true)
      .optional()
      .describe('the client address; X-Forwarded-For is believed only from driver.trustForwardedFrom'),
  })
  .refine((u) => [u.header, u.cookie, u.jwtClaim, u.clientAddress].filter((v) => v !== undefined).length === 1, {
    error: 'expected exactly one of header, cookie, jwtClaim or clientAddress: true',
  })
  .describe('how the front door tells users apart, to count users served and affected per release');

export const featuresSchema = z
  .record(
    z.string().regex(/^[a-z0-9]([a-z0-9_-]*[a-z0-9])?$/, { error: 'expected a feature name like "checkout"' }),
    z.string().startsWith('/', { error: 'expected a path pattern starting with "/", like "/api/cart/**"' }),
  )
  .refine((f) => !('other' in f), { error: '"other" is the name of unmatched paths; choose another name' })
  .refine((f) => Object.keys(f).length <= 32, { error: 'expected at most 32 features' })
  .describe('feature name → path pattern (* one segment, ** any rest); first match wins, unmatched paths are "other"');

/** The report's "Revenue impact" line: always an estimate, with its inputs shown. */
export const impactSchema = z.strictObject({
  cost: z
    .strictObject({
      perFailedRequest: z.number().min(0).optional().describe('cost of one request that failed for its user'),
      perFeature: z
        .record(z.string(), z.number().min(0))
        .default({})
        .describe('cost of one failed request of a feature (replaces perFailedRequest for it), e.g. checkout: 2.50'),
      currency: z.string().min(1).max(8).default('USD').describe('shown beside the amount'),
    })
    .optional()
    .describe('an optional cost model for the incident report’s revenue-impact estimate; absent by default'),
});
