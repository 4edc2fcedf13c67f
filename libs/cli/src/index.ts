export { run, COMMANDS, DEFAULT_URL, VERSION } from './cli.js';
export { HttpClient, apiPath, newRequestId, DEFAULT_RETRIES, DEFAULT_TIMEOUT_MS, type HttpClientOptions, type HttpResponse } from './http-client.js';
export { ApiError, CliError, UsageError } from './errors.js';
export { formatTable, formatTime, processIo, type CliIo, type Env } from './output.js';
export { formatHistory } from './commands/channels.js';
export { formatVersion } from './commands/versions.js';
export { hashToken, DEFAULT_TOKENS_FILE, ROLES, type TokenEntry } from './commands/token.js';
export type { PublishBody } from './commands/publish.js';
export type * from './api-types.js';
