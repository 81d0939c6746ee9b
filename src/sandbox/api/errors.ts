// Errors as the real API server reports them: a Status object whose code,
// reason and message match what kubectl and client-go print and branch on.
import { invalidMessage } from './schema.ts';
import type { FieldError, ResourceType } from './types.ts';

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: { reason: string; message: string; field: string }[];
}

export class ApiError extends Error {
  readonly code: number;
  readonly reason: string;
  readonly details?: StatusDetails;

  constructor(code: number, reason: string, message: string, details?: StatusDetails) {
    // An answer to a client, not a fault: no stack trace to capture (a flood of bad requests made thousands).
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(message);
    Error.stackTraceLimit = limit;
    this.code = code;
    this.reason = reason;
    this.details = details;
  }

  toStatus(): Record<string, unknown> {
    return {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: this.message,
      reason: this.reason,
      ...(this.details ? { details: this.details } : {}),
      code: this.code,
    };
  }
}

/** `pods`, `statefulsets.apps`, `postgresqls.acid.zalan.do`: how messages name a resource. */
export function qualifiedResource(rt: ResourceType): string {
  return rt.group ? `${rt.plural}.${rt.group}` : rt.plural;
}

function details(rt: ResourceType, name: string): StatusDetails {
  // The real server puts the plural into details.kind ("we set Kind field to resource").
  return { name, ...(rt.group ? { group: rt.group } : {}), kind: rt.plural };
}

export const notFound = (rt: ResourceType, name: string) =>
  new ApiError(404, 'NotFound', `${qualifiedResource(rt)} "${name}" not found`, details(rt, name));

export const alreadyExists = (rt: ResourceType, name: string) =>
  new ApiError(409, 'AlreadyExists', `${qualifiedResource(rt)} "${name}" already exists`, details(rt, name));

export const conflict = (rt: ResourceType, name: string) =>
  new ApiError(
    409,
    'Conflict',
    `Operation cannot be fulfilled on ${qualifiedResource(rt)} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
    details(rt, name),
  );

export const preconditionConflict = (rt: ResourceType, name: string, what: string, want: string, have: string) =>
  new ApiError(
    409,
    'Conflict',
    `Operation cannot be fulfilled on ${qualifiedResource(rt)} "${name}": Precondition failed: ${what}: ${want}, ${what} in object meta: ${have}`,
    details(rt, name),
  );

/** 422 Invalid: `StatefulSet.apps "x" is invalid: spec: Forbidden: ...` */
export function invalid(rt: ResourceType, name: string, causes: FieldError[]): ApiError {
  return new ApiError(422, 'Invalid', invalidMessage(rt.kind, rt.group, name, causes), {
    name,
    ...(rt.group ? { group: rt.group } : {}),
    kind: rt.kind,
    causes: causes.map((c) => ({ reason: c.reason, message: c.message, field: c.field })),
  });
}

export const badRequest = (message: string) => new ApiError(400, 'BadRequest', message);

export const forbidden = (message: string, rt?: ResourceType, name = '') =>
  new ApiError(403, 'Forbidden', message, rt ? details(rt, name) : undefined);

export const methodNotAllowed = () =>
  new ApiError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');

export const notFoundPath = () => new ApiError(404, 'NotFound', 'the server could not find the requested resource');

export const unsupportedMediaType = (accepted: string[]) =>
  new ApiError(
    415,
    'UnsupportedMediaType',
    `the body of the request was in an unknown format - accepted media types include: ${accepted.join(', ')}`,
  );

export const expired = (message: string) => new ApiError(410, 'Expired', message);

export const internalError = (message: string) =>
  new ApiError(500, 'InternalError', `Internal error occurred: ${message}`);
