/**
 * The CLI's HTTP client: bearer token, JSON, a timeout per attempt, and retries of failed
 * connections and 5xx answers. Every write carries an Idempotency-Key that stays the same
 * across its retries, so a retried write is applied once even when the first attempt
 * reached the server and only the answer was lost.
 */
import { randomBytes } from 'node:crypto';
import { ApiError, CliError } from './errors.js';

export const DEFAULT_TIMEOUT_MS = 30_000;
export const DEFAULT_RETRIES = 3;
export const DEFAULT_RETRY_DELAY_MS = 500;
const MAX_RETRY_DELAY_MS = 10_000;

const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** A random 26-character [A-Za-z0-9] id (≈154 bits), e.g. for an Idempotency-Key. */
export function newRequestId(length = 26): string {
  let id = '';
  while (id.length < length) {
    for (const byte of randomBytes(length * 2)) {
      // 248 = 4 × 62: rejecting larger bytes keeps every character equally likely.
      if (byte < 248 && id.length < length) id += ID_ALPHABET[byte % 62];
    }
  }
  return id;
}

export interface HttpClientOptions {
  baseUrl: string;
  token: string;
  timeoutMs?: number;
  /** Retries after the first attempt (default 3). */
  retries?: number;
  /** First retry delay; doubled per retry. */
  retryDelayMs?: number;
  /** Progress lines (retries) go here: stderr. */
  log?: (line: string) => void;
  /** Sent as X-Correlation-Id on every request of this invocation. */
  correlationId?: string;
}

export type Query = Record<string, string | number | boolean | undefined>;

export interface RequestOptions {
  query?: Query;
  body?: unknown;
}

export interface HttpResponse<T> {
  status: number;
  body: T;
  headers: Headers;
}

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

type Attempt = { kind: 'response'; status: number; statusText: string; headers: Headers; body: unknown; text: string } | { kind: 'failure'; message: string; retryable: boolean };

export class HttpClient {
  private readonly base: string;
  private readonly timeoutMs: number;
  private readonly retries: number;
  private readonly retryDelayMs: number;
  private readonly log: (line: string) => void;

  constructor(private readonly opts: HttpClientOptions) {
    this.base = opts.baseUrl.replace(/\/+$/, '');
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.retries = opts.retries ?? DEFAULT_RETRIES;
    this.retryDelayMs = opts.retryDelayMs ?? DEFAULT_RETRY_DELAY_MS;
    this.log = opts.log ?? (() => {});
  }

  url(path: string, query: Query = {}): string {
    const url = new URL(this.base + path);
    for (const [k, v] of Object.entries(query)) if (v !== undefined) url.searchParams.set(k, String(v));
    return url.toString();
  }

  get<T>(path: string, query?: Query): Promise<HttpResponse<T>> {
    return this.request<T>('GET', path, { query });
  }

  post<T>(path: string, body: unknown = {}): Promise<HttpResponse<T>> {
    return this.request<T>('POST', path, { body });
  }

  put<T>(path: string, body: unknown): Promise<HttpResponse<T>> {
    return this.request<T>('PUT', path, { body });
  }

  patch<T>(path: string, body: unknown): Promise<HttpResponse<T>> {
    return this.request<T>('PATCH', path, { body });
  }

  delete<T>(path: string): Promise<HttpResponse<T>> {
    return this.request<T>('DELETE', path);
  }

  /**
   * One logical request: retried on a failed connection, a timeout or a 5xx answer, up to
   * `retries` more times. A write gets one Idempotency-Key, reused by every retry.
   * Resolves with a 2xx answer; throws ApiError for an error answer, CliError when the
   * server could not be reached.
   */
  async request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<HttpResponse<T>> {
    const url = this.url(path, opts.query);
    const headers: Record<string, string> = {
      accept: 'application/json',
      authorization: `Bearer ${this.opts.token}`,
      'user-agent': 'gilt-cli/0.1.0',
    };
    if (this.opts.correlationId) headers['x-correlation-id'] = this.opts.correlationId;
    if (WRITE_METHODS.has(method)) headers['idempotency-key'] = newRequestId();
    let body: string | undefined;
    if (opts.body !== undefined) {
      body = JSON.stringify(opts.body);
      headers['content-type'] = 'application/json';
    }

    const attempts = this.retries + 1;
    for (let attempt = 1; ; attempt++) {
      const result = await this.attempt(method, url, headers, body);
      const retryable = result.kind === 'failure' ? result.retryable : result.status >= 500;
      if (!retryable || attempt >= attempts) return this.finish<T>(result, method, path);
      const delay = this.delayBefore(attempt, result);
      const why = result.kind === 'failure' ? result.message : `${result.status} ${describeAnswer(result)}`;
      this.log(`gilt: ${method} ${path}: ${why}; retrying in ${formatDelay(delay)} (attempt ${attempt + 1} of ${attempts})`);
      await sleep(delay);
    }
  }

  /**
   * A GET whose answer is too big to hold (an export of the whole log): the body goes to `sink`
   * as it arrives. Not retried, since part of it may already be written; an error answer throws
   * ApiError as `request` does.
   */
  async download(path: string, query: Query, sink: (chunk: string) => void | Promise<void>): Promise<Headers> {
    const url = this.url(path, query);
    // The timeout is for the answer to start: a big body may take much longer to arrive.
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(new DOMException('timed out', 'TimeoutError')), this.timeoutMs);
    let res: Response;
    try {
      res = await fetch(url, { headers: { authorization: `Bearer ${this.opts.token}`, 'user-agent': 'gilt-cli/0.1.0' }, signal: abort.signal });
    } catch (e) {
      throw new CliError(this.describeFailure(e));
    } finally {
      clearTimeout(timer);
    }
    if (res.status < 200 || res.status >= 300) {
      const text = await res.text();
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        body = undefined;
      }
      return this.finish<never>({ kind: 'response', status: res.status, statusText: res.statusText, headers: res.headers, body, text }, 'GET', path).headers;
    }
    const decoder = new TextDecoder();
    for await (const chunk of res.body ?? []) await sink(decoder.decode(chunk as Uint8Array, { stream: true }));
    const rest = decoder.decode();
    if (rest) await sink(rest);
    return res.headers;
  }

  private async attempt(method: string, url: string, headers: Record<string, string>, body: string | undefined): Promise<Attempt> {
    try {
      const res = await fetch(url, { method, headers, body, signal: AbortSignal.timeout(this.timeoutMs), redirect: 'follow' });
      const text = await res.text();
      let parsed: unknown = undefined;
      if (text !== '') {
        try {
          parsed = JSON.parse(text);
        } catch {
          parsed = undefined;
        }
      }
      return { kind: 'response', status: res.status, statusText: res.statusText, headers: res.headers, body: parsed, text };
    } catch (e) {
      return { kind: 'failure', message: this.describeFailure(e), retryable: isTransient(e) };
    }
  }

  private describeFailure(e: unknown): string {
    const err = e as { name?: string; message?: string; cause?: { code?: string; message?: string } };
    if (err?.name === 'TimeoutError' || err?.name === 'AbortError') {
      return `no answer from ${this.base} within ${formatDelay(this.timeoutMs)}`;
    }
    const cause = err?.cause?.message ?? err?.cause?.code ?? err?.message ?? String(e);
    return `cannot reach ${this.base}: ${cause}`;
  }

  private delayBefore(attempt: number, result: Attempt): number {
    let delay = this.retryDelayMs * 2 ** (attempt - 1);
    if (result.kind === 'response') {
      const after = Number(result.headers.get('retry-after'));
      if (Number.isFinite(after) && after > 0) delay = Math.max(delay, after * 1000);
    }
    return Math.min(delay, MAX_RETRY_DELAY_MS);
  }

  private finish<T>(result: Attempt, method: string, path: string): HttpResponse<T> {
    if (result.kind === 'failure') throw new CliError(result.message);
    if (result.status >= 200 && result.status < 300) {
      if (result.body === undefined && result.text !== '') {
        throw new CliError(`${method} ${path}: the server answered ${result.status} with a body that is not JSON`);
      }
      return { status: result.status, body: result.body as T, headers: result.headers };
    }
    const b = result.body as { code?: unknown; message?: unknown; details?: unknown } | undefined;
    if (b && typeof b.message === 'string') {
      const details = typeof b.details === 'object' && b.details !== null ? (b.details as Record<string, unknown>) : {};
      throw new ApiError(result.status, typeof b.code === 'string' ? b.code : `HTTP_${result.status}`, b.message, details);
    }
    throw new ApiError(result.status, `HTTP_${result.status}`, `${method} ${path}: ${result.status} ${describeAnswer(result)}`);
  }
}

function describeAnswer(r: Extract<Attempt, { kind: 'response' }>): string {
  const b = r.body as { message?: unknown } | undefined;
  if (b && typeof b.message === 'string') return `${r.statusText || 'error'} (${b.message})`;
  const snippet = r.text.trim().slice(0, 200);
  return snippet && !snippet.startsWith('<') ? `${r.statusText || 'error'}: ${snippet}` : r.statusText || 'error';
}

/** A timeout or a system/socket error (it has a code) may pass; a refused URL ("bad port") will not. */
function isTransient(e: unknown): boolean {
  const err = e as { name?: string; cause?: { code?: unknown } };
  return err?.name === 'TimeoutError' || err?.name === 'AbortError' || typeof err?.cause?.code === 'string';
}

function formatDelay(ms: number): string {
  return ms >= 1000 ? `${+(ms / 1000).toFixed(1)}s` : `${ms}ms`;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** `/v1/buckets/a/channels/b`: every segment encoded. */
export function apiPath(...segments: string[]): string {
  return `/v1/${segments.map((s) => encodeURIComponent(s)).join('/')}`;
}
