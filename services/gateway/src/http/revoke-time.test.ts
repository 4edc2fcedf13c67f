import { describe, it, expect } from '@jest/globals';
import type { HttpException } from '@nestjs/common';
import { parseDuration, revokeTime } from './revoke-time.js';

const NOW = Date.UTC(2026, 10, 25, 12, 0, 0);

function refusal(body: { revoke_at?: string; revoke_in?: string }) {
  try {
    revokeTime(body, NOW);
  } catch (err) {
    return { status: (err as HttpException).getStatus(), body: (err as HttpException).getResponse() as { message: string; details: Record<string, unknown> } };
  }
  throw new Error('expected a refusal');
}

describe('revoke_in durations', () => {
  it.each([
    ['0s', 0],
    ['30m', 30 * 60_000],
    ['72h', 72 * 3_600_000],
    ['2h45m', 165 * 60_000],
    ['30d', 30 * 86_400_000],
    ['1d2h3m4s', 86_400_000 + 2 * 3_600_000 + 3 * 60_000 + 4000],
  ])('%s is %d ms', (text, ms) => expect(parseDuration(text)).toBe(ms));

  it.each(['', '1w', '45m2h', '1.5h', '-1h', 'h', '72'])('%j is not a duration', (text) => expect(parseDuration(text)).toBeNull());
});

describe('revokeTime', () => {
  it('is now when neither field is given, for 0s, and for a time not in the future', () => {
    expect(revokeTime({}, NOW)).toBeNull();
    expect(revokeTime({ revoke_in: '0s' }, NOW)).toBeNull();
    expect(revokeTime({ revoke_at: '2026-11-25T11:00:00Z' }, NOW)).toBeNull();
  });

  it('schedules from revoke_in or revoke_at, in UTC', () => {
    expect(revokeTime({ revoke_in: '72h' }, NOW)).toBe('2026-11-28T12:00:00.000Z');
    expect(revokeTime({ revoke_at: '2026-12-01T10:00:00+01:00' }, NOW)).toBe('2026-12-01T09:00:00.000Z');
  });

  it('refuses both at once, naming the fields', () => {
    const r = refusal({ revoke_at: '2026-12-01T09:00:00Z', revoke_in: '1h' });
    expect(r.status).toBe(400);
    expect(r.body.message).toBe('send only one of revoke_at and revoke_in');
    expect(r.body.details).toEqual({ field: 'revoke_in', fields: ['revoke_at', 'revoke_in'] });
  });

  it.each([
    [{ revoke_at: 'tomorrow' }, 'revoke_at'],
    [{ revoke_at: '2026-12-01T09:00:00' }, 'revoke_at'],
    [{ revoke_at: '2026-13-01T09:00:00Z' }, 'revoke_at'],
    [{ revoke_in: '3 days' }, 'revoke_in'],
    [{ revoke_in: '999999d' }, 'revoke_in'],
  ])('refuses %j naming %s', (body, field) => {
    const r = refusal(body);
    expect(r.status).toBe(400);
    expect(r.body.details.field).toBe(field);
  });
});
