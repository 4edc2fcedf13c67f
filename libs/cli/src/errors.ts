/** A wrong invocation (unknown command or flag, missing or malformed argument): exit 2. */
export class UsageError extends Error {
  constructor(
    message: string,
    /** The command whose usage to point at, e.g. `channels set`. */
    readonly command?: string,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

/** A failure to report as `gilt: <message>` with exit 1. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** An error answer of the API (`{code, message, details}`) or an HTTP failure. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }
}
