import { DomainError, ErrorCodes } from '@gilt/contracts';

/** `?as_of=` as asked: a log position, or an RFC 3339 time. */
export type AsOf = { kind: 'position'; position: number } | { kind: 'time'; ms: number };

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:[Zz]|[+-]\d{2}:\d{2})$/;

/** Undefined when not asked; a 400 naming `as_of` when it is neither a position nor a time with a zone. */
export function parseAsOf(raw: string | undefined): AsOf | undefined {
  if (raw === undefined) return undefined;
  if (/^[0-9]{1,15}$/.test(raw)) {
    const position = Number(raw);
    if (position < 1) throw invalidAsOf(raw, 'a log position starts at 1');
    return { kind: 'position', position };
  }
  const ms = RFC3339.test(raw) && realDate(raw) ? Date.parse(raw) : NaN;
  if (!Number.isFinite(ms)) throw invalidAsOf(raw, 'give an RFC 3339 time with a zone (2026-11-25T14:02:00Z) or a log position (1234)');
  return { kind: 'time', ms };
}

/** Date.parse rolls 2026-02-30 over to March; a day that does not exist is a typo, not a moment. */
function realDate(raw: string): boolean {
  const [y, m, d] = raw.slice(0, 10).split('-').map(Number) as [number, number, number];
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

export const invalidAsOf = (raw: string, why: string) => new DomainError(ErrorCodes.validation, `as_of ${JSON.stringify(raw)}: ${why}`, { field: 'as_of' });
