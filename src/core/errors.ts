/**
 * The small errors module (STYLE.md §6). A `UserError` is a mistake the user can
 * fix: it carries a stable `code`, a message that says what to do, the HTTP status
 * the API answers with and the exit code the CLI ends with. Anything else that
 * escapes is a bug and becomes an `InternalError`. Only the CLI entry point and the
 * HTTP error handler turn these into exit codes and responses.
 */

/** Exit codes of the CLI contract (DESIGN.md). */
export const ExitCode = {
  ok: 0,
  failed: 1,
  usage: 2,
  rolledBack: 3,
  waiting: 4,
  /** not allowed now: the version is quarantined or a freeze covers it (`rewind gate`) */
  notAllowed: 5,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export interface UserErrorOptions {
  /** HTTP status for the API; default 400. */
  status?: number;
  /** CLI exit code; default 1 (failed). */
  exitCode?: ExitCodeValue;
  cause?: unknown;
  /** Extra machine-readable detail, returned with the error in JSON. */
  details?: unknown;
}

export class UserError extends Error {
  readonly code: string;
  readonly status: number;
  readonly exitCode: ExitCodeValue;
  readonly details: unknown;

  constructor(code: string, message: string, options: UserErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'UserError';
    this.code = code;
    this.status = options.status ?? 400;
    this.exitCode = options.exitCode ?? ExitCode.failed;
    this.details = options.details;
  }
}

export class InternalError extends Error {
  readonly code = 'INTERNAL';
  constructor(message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'InternalError';
  }
}

export const notFound = (what: string, hint = ''): UserError =>
  new UserError('NOT_FOUND', `${what} not found${hint ? ` — ${hint}` : ''}`, { status: 404 });

export const conflict = (message: string, details?: unknown): UserError =>
  new UserError('CONFLICT', message, { status: 409, details });

/** A write refused because a newer leader holds the lease: this process must stop acting. */
export const fenced = (fence: { name: string; token: number }, current: number | null): UserError =>
  new UserError(
    'FENCED',
    `write refused by the fence: this process holds token ${fence.token} of the ${fence.name} lease, the store has ${current ?? 'none'}`,
    { status: 409 },
  );

export const badRequest = (message: string, code = 'BAD_REQUEST'): UserError =>
  new UserError(code, message, { status: 400, exitCode: ExitCode.usage });

/**
 * The store could not answer now (SQLite busy or locked, PostgreSQL unreachable
 * or out of connections): the API answers 503 with Retry-After, not a bug. Store
 * adapters may throw this; the raw driver codes are recognised too.
 */
export class StoreUnavailableError extends Error {
  readonly code = 'STORE_UNAVAILABLE';
  constructor(message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'StoreUnavailableError';
  }
}

const UNAVAILABLE_CODES =
  /^(SQLITE_(BUSY|LOCKED|IOERR|FULL|CANTOPEN|READONLY|PROTOCOL)(_\w+)?|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|57P0[123]|53300|08\w{3})$/;

export function isStoreUnavailable(error: unknown): boolean {
  if (error instanceof StoreUnavailableError) return true;
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && UNAVAILABLE_CODES.test(code)) return true;
  // better-sqlite3 on a closed handle; pg when its pool has ended
  const message = error instanceof Error ? error.message : '';
  return /database connection is not open|Cannot use a pool after calling end/.test(message);
}

export function isUserError(error: unknown): error is UserError {
  return error instanceof UserError;
}

/** The message of anything thrown, for journals and events. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
