import type { ResourceType } from './resources.js';
import { qualifiedKind, qualifiedName } from './resources.js';
import type { JsonObject } from './types.js';

/**
 * An error answered as the API server answers it: an HTTP code and a
 * `Status` object whose reason and message match the real server's wording,
 * because clients (kubectl, client-node) branch on the reason.
 */
export class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details?: JsonObject,
  ) {
    super(message);
  }

  toStatus(): JsonObject {
    const status: JsonObject = {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: this.message,
      reason: this.reason,
      code: this.code,
    };
    if (this.details) status.details = this.details;
    return status;
  }
}

function details(type: ResourceType, name: string): JsonObject {
  const d: JsonObject = { name };
  if (type.group) d.group = type.group;
  d.kind = type.plural;
  return d;
}

export function notFound(type: ResourceType, name: string): ApiError {
  return new ApiError(404, 'NotFound', `${qualifiedName(type)} "${name}" not found`, details(type, name));
}

export function alreadyExists(type: ResourceType, name: string): ApiError {
  return new ApiError(409, 'AlreadyExists', `${qualifiedName(type)} "${name}" already exists`, details(type, name));
}

export function conflict(type: ResourceType, name: string): ApiError {
  return new ApiError(
    409,
    'Conflict',
    `Operation cannot be fulfilled on ${qualifiedName(type)} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
    details(type, name),
  );
}

export function badRequest(message: string): ApiError {
  return new ApiError(400, 'BadRequest', message);
}

export interface FieldCause {
  field: string;
  message: string;
  reason?: string;
}

/** 422 Invalid, worded as field.ErrorList renders: `Kind.group "name" is invalid: field: message`. */
export function invalid(type: ResourceType, name: string, causes: FieldCause[]): ApiError {
  const text = causes.map((c) => `${c.field}: ${c.message}`).join(', ');
  const list = causes.length > 1 ? `[${text}]` : text;
  const d: JsonObject = { name };
  if (type.group) d.group = type.group;
  d.kind = type.kind;
  d.causes = causes.map((c) => ({ reason: c.reason ?? 'FieldValueInvalid', message: c.message, field: c.field }));
  return new ApiError(422, 'Invalid', `${qualifiedKind(type)} "${name}" is invalid: ${list}`, d);
}

export function methodNotAllowed(): ApiError {
  return new ApiError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
}
