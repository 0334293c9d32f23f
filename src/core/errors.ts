/** Typed errors with stable codes; the HTTP layer maps `status`, the CLI prints `message`. */
export type ErrorCode =
  | 'bad_request'
  | 'invalid_transcript'
  | 'invalid_manifest'
  | 'unsupported_format'
  | 'unauthorized'
  | 'forbidden'
  | 'rate_limited'
  | 'not_found'
  | 'conflict'
  | 'payload_too_large'
  | 'embedding_model_mismatch'
  | 'unsupported_language'
  | 'archive_locked'
  | 'engine_unavailable'
  | 'upstream_error'
  | 'internal';

const STATUS: Record<ErrorCode, number> = {
  bad_request: 400,
  invalid_transcript: 422,
  invalid_manifest: 422,
  unsupported_format: 415,
  unauthorized: 401,
  forbidden: 403,
  rate_limited: 429,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  embedding_model_mismatch: 409,
  unsupported_language: 422,
  archive_locked: 409,
  engine_unavailable: 503,
  upstream_error: 502,
  internal: 500,
};

export class AppError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'AppError';
    this.status = STATUS[code];
  }
}

/** A transcript that cannot be parsed; the message names the file and, where known, the line. */
export class TranscriptError extends AppError {
  constructor(
    readonly file: string,
    readonly line: number | undefined,
    reason: string,
  ) {
    super('invalid_transcript', `${file}${line !== undefined ? `:${line}` : ''}: ${reason}`, { file, line });
    this.name = 'TranscriptError';
  }
}

/** The message of a thrown value, for a log line: an Error's message, anything else as a string. */
export const errorMessage = (e: unknown) => (e instanceof Error ? e.message : String(e));
