/** Error codes shared by every service; the gateway maps them to HTTP statuses in one place. */
export const ErrorCodes = {
  validation: 'VALIDATION_FAILED',
  notFound: 'NOT_FOUND',
  alreadyExists: 'ALREADY_EXISTS',
  conflict: 'CONFLICT',
  wrongExpectedRevision: 'WRONG_EXPECTED_REVISION',
  unauthenticated: 'UNAUTHENTICATED',
  forbidden: 'FORBIDDEN',
  payloadTooLarge: 'PAYLOAD_TOO_LARGE',
  unavailable: 'UNAVAILABLE',
  internal: 'INTERNAL',
} as const;
export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

export const HTTP_STATUS_BY_CODE: Record<ErrorCode, number> = {
  VALIDATION_FAILED: 400,
  NOT_FOUND: 404,
  ALREADY_EXISTS: 409,
  CONFLICT: 409,
  WRONG_EXPECTED_REVISION: 409,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  PAYLOAD_TOO_LARGE: 413,
  UNAVAILABLE: 503,
  INTERNAL: 500,
};

export interface ErrorBody {
  code: ErrorCode;
  message: string;
  details: Record<string, unknown>;
}

/** A failure the domain expects (bad input, missing thing, rule broken). Carries everything the HTTP answer needs. */
export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'DomainError';
  }
  toBody(): ErrorBody {
    return { code: this.code, message: this.message, details: this.details };
  }
}

export const isErrorBody = (x: unknown): x is ErrorBody =>
  typeof x === 'object' && x !== null && typeof (x as ErrorBody).code === 'string' && typeof (x as ErrorBody).message === 'string' && (x as ErrorBody).code in HTTP_STATUS_BY_CODE;
