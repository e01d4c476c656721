// One catalogue of coded errors. HTTP status codes travel with API errors;
// everything else carries only the code so logs and metrics can count it.
export const ERRORS = {
  ERR_CONFIG_INVALID: { status: 500, message: 'configuration is invalid' },
  ERR_CONFIG_READ: { status: 500, message: 'configuration file cannot be read' },
  ERR_BAD_REQUEST: { status: 400, message: 'request is invalid' },
  ERR_UNAUTHORIZED: { status: 401, message: 'a valid bearer token is required' },
  ERR_FORBIDDEN: { status: 403, message: 'this request is not allowed here' },
  ERR_NOT_FOUND: { status: 404, message: 'not found' },
  ERR_CONFLICT: { status: 409, message: 'the request conflicts with the current state' },
  ERR_STORE_UNAVAILABLE: { status: 503, message: 'the time-series store is unavailable' },
  ERR_BUSY: { status: 503, message: 'too many requests of this kind are open; retry later' },
  ERR_RATE_LIMITED: { status: 429, message: 'too many failed attempts; retry later' },
  ERR_INTERNAL: { status: 500, message: 'internal error' },
} as const;
export type ErrorCode = keyof typeof ERRORS;

export class ZmError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details: string[] | undefined;
  constructor(code: ErrorCode, message?: string, options?: { cause?: unknown; details?: string[] }) {
    super(message ?? ERRORS[code].message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ZmError';
    this.code = code;
    this.status = ERRORS[code].status;
    this.details = options?.details;
  }
}
