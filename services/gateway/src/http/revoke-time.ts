import { ErrorCodes } from '@gilt/contracts';
import { apiError } from './api-error.js';

const DURATION = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/;
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})$/;
const UNIT_MS = [86_400_000, 3_600_000, 60_000, 1000];
/** Far enough for any real schedule, near enough that the date stays a valid Date. */
const MAX_MS = 100 * 365 * 86_400_000;

/** `revoke_in` as HCP Packer takes it: units d h m s in that order, e.g. `30d`, `72h`, `2h45m`, `0s`. */
export function parseDuration(text: string): number | null {
  const m = DURATION.exec(text);
  if (!m || text === '') return null;
  return m.slice(1).reduce((ms, n, i) => ms + (n ? Number(n) * UNIT_MS[i]! : 0), 0);
}

/**
 * When a revocation takes effect, from `revoke_at` (RFC 3339) or `revoke_in` (a duration), at
 * most one of them. Null: now (neither given, a time not in the future, or `0s`).
 */
export function revokeTime(body: { revoke_at?: string; revoke_in?: string }, nowMs = Date.now()): string | null {
  if (body.revoke_at !== undefined && body.revoke_in !== undefined) {
    throw apiError(ErrorCodes.validation, 'send only one of revoke_at and revoke_in', { field: 'revoke_in', fields: ['revoke_at', 'revoke_in'] });
  }
  let at: number;
  if (body.revoke_at !== undefined) {
    at = RFC3339.test(body.revoke_at) ? Date.parse(body.revoke_at) : NaN;
    if (Number.isNaN(at)) throw apiError(ErrorCodes.validation, `revoke_at must be an RFC 3339 time with a zone, e.g. 2026-12-01T09:00:00Z; got ${JSON.stringify(body.revoke_at)}`, { field: 'revoke_at' });
  } else if (body.revoke_in !== undefined) {
    const ms = parseDuration(body.revoke_in);
    if (ms === null || ms > MAX_MS) {
      throw apiError(ErrorCodes.validation, `revoke_in must be a duration in d, h, m, s (e.g. 72h, 2h45m, 30d, 0s); got ${JSON.stringify(body.revoke_in)}`, { field: 'revoke_in' });
    }
    at = nowMs + ms;
  } else return null;
  return at > nowMs ? new Date(at).toISOString() : null;
}
