import { ErrorCodes, EVENT_TYPES, isBucketName, isChannelName, type DomainEvent, type EventView, type StoredCommit } from '@gilt/contracts';
import { bucketOf, channelOf, summarizeEvent, versionIdsOf, type VersionNamer } from '@gilt/domain';
import { countUpTo, parseAsOf, type AsOf, type CommitHistory } from '@gilt/service-kit';
import { apiError } from '../http/api-error.js';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../http/pagination.js';

/** GET /v1/events, parsed: which events, in which order, from where. */
export interface EventQuery {
  bucket: string | null;
  channel: string | null;
  versionId: string | null;
  types: ReadonlySet<string> | null;
  actor: string | null;
  /** Positions to look at, inclusive. */
  from: number;
  to: number;
  sinceMs: number | null;
  untilMs: number | null;
  order: 'asc' | 'desc';
  size: number;
  /** Where the page starts: a position and an event index in it. */
  cursor: { position: number; index: number } | null;
}

const invalid = (field: string, message: string) => apiError(ErrorCodes.validation, message, { field });

function time(q: Record<string, string | undefined>, field: 'since' | 'until'): number | null {
  const raw = q[field];
  if (raw === undefined || raw === '') return null;
  let parsed: AsOf | undefined;
  try {
    parsed = parseAsOf(raw);
  } catch {
    // Reported below, naming this field rather than as_of.
  }
  if (parsed?.kind !== 'time') throw invalid(field, `${field} must be an RFC 3339 time with a zone, e.g. 2026-11-25T14:02:00Z`);
  return parsed.ms;
}

function position(q: Record<string, string | undefined>, field: string): number | null {
  const raw = q[field];
  if (raw === undefined || raw === '') return null;
  if (!/^[0-9]{1,15}$/.test(raw) || Number(raw) < 1) throw invalid(field, `${field} must be a log position (a whole number from 1)`);
  return Number(raw);
}

/**
 * Reads the query. `resolveVersion` turns `version` (an id, or with `bucket` a name or
 * fingerprint) into an id; `asOfPosition` caps the range when the read is as of a moment.
 */
export function parseEventQuery(q: Record<string, string | undefined>, history: CommitHistory, resolveVersion: (ref: string, bucket: string | null) => string, asOfPosition: number | null): EventQuery {
  const bucket = q.bucket || null;
  if (bucket !== null && !isBucketName(bucket)) throw invalid('bucket', `bucket ${JSON.stringify(bucket)} is not a bucket name`);
  const channel = q.channel || null;
  if (channel !== null && (!bucket || !isChannelName(channel))) throw invalid('channel', 'channel needs bucket too, and must be a channel name');
  const types = q.type ? new Set(q.type.split(',').filter((t) => t !== '')) : null;
  for (const t of types ?? []) if (!(EVENT_TYPES as readonly string[]).includes(t)) throw invalid('type', `type ${JSON.stringify(t)} is not an event type (${EVENT_TYPES.join(', ')})`);
  const order = q.order ?? 'asc';
  if (order !== 'asc' && order !== 'desc') throw invalid('order', 'order must be asc (oldest first, the default) or desc (newest first)');
  let size = DEFAULT_PAGE_SIZE;
  if (q.page_size !== undefined && q.page_size !== '') {
    size = Number(q.page_size);
    if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE_SIZE) throw invalid('page_size', `page_size must be a whole number from 1 to ${MAX_PAGE_SIZE}`);
  }
  const sinceMs = time(q, 'since');
  const untilMs = time(q, 'until');
  let from = Math.max(position(q, 'from_position') ?? 1, sinceMs === null ? 1 : history.positionAt(sinceMs - 1) + 1);
  let to = Math.min(position(q, 'to_position') ?? Infinity, untilMs === null ? Infinity : history.positionAt(untilMs), asOfPosition ?? Infinity, history.head);
  let cursor: EventQuery['cursor'] = null;
  if (q.page_token) {
    const m = /^[A-Za-z0-9_-]{1,64}$/.test(q.page_token) ? /^e:(asc|desc):(\d+):(\d+)$/.exec(Buffer.from(q.page_token, 'base64url').toString()) : null;
    if (!m || m[1] !== order) throw invalid('page_token', 'page_token is not a token this server issued for this order');
    cursor = { position: Number(m[2]), index: Number(m[3]) };
    if (order === 'asc') from = Math.max(from, cursor.position);
    else to = Math.min(to, cursor.position);
  }
  return {
    bucket,
    channel,
    versionId: q.version ? resolveVersion(q.version, bucket) : null,
    types,
    actor: q.actor || null,
    from,
    to,
    sinceMs,
    untilMs,
    order,
    size,
    cursor,
  };
}

/** Who may see an event: viewers see neither webhook configuration nor restricted channels. */
export type EventVisibility = (e: DomainEvent) => boolean;

function matches(q: EventQuery, c: StoredCommit, e: DomainEvent, visible: EventVisibility): boolean {
  if (q.types && !q.types.has(e.type)) return false;
  if (q.bucket && bucketOf(e) !== q.bucket) return false;
  if (q.channel && channelOf(e) !== q.channel) return false;
  if (q.versionId && !versionIdsOf(e).includes(q.versionId)) return false;
  if (q.actor && c.meta.actor !== q.actor) return false;
  if (q.sinceMs !== null || q.untilMs !== null) {
    const t = Date.parse(c.meta.occurred_at);
    if ((q.sinceMs !== null && t < q.sinceMs) || (q.untilMs !== null && t > q.untilMs)) return false;
  }
  return visible(e);
}

/**
 * One page of matching events. Pages continue by position (not by offset), so a page token stays
 * right while the log grows. With a bucket, only that bucket's commits are looked at.
 */
export function listEvents(history: CommitHistory, q: EventQuery, visible: EventVisibility, name: VersionNamer) {
  const out: EventView[] = [];
  let next: { position: number; index: number } | null = null;
  const positions = q.bucket ? history.positionsOf(q.bucket) : null;
  const lo = positions ? countUpTo(positions, q.from - 1) : q.from;
  const hi = positions ? countUpTo(positions, q.to) - 1 : q.to;
  const step = q.order === 'asc' ? 1 : -1;
  scan: for (let i = step > 0 ? lo : hi; step > 0 ? i <= hi : i >= lo; i += step) {
    const c = history.commit(positions ? positions[i]! : i);
    for (let k = step > 0 ? 0 : c.events.length - 1; step > 0 ? k < c.events.length : k >= 0; k += step) {
      if (q.cursor?.position === c.position && (step > 0 ? k < q.cursor.index : k > q.cursor.index)) continue;
      const e = c.events[k]!;
      if (!matches(q, c, e, visible)) continue;
      if (out.length === q.size) {
        next = { position: c.position, index: k };
        break scan;
      }
      const s = summarizeEvent(e, name);
      out.push({
        position: c.position,
        index: k,
        type: e.type,
        stream: c.stream,
        bucket: bucketOf(e),
        actor: c.meta.actor,
        occurred_at: c.meta.occurred_at,
        command_id: c.meta.command_id,
        correlation_id: c.meta.correlation_id,
        causation_id: c.meta.causation_id,
        summary: s.what,
        reason: s.why,
        payload: e,
      });
    }
  }
  const token = next ? Buffer.from(`e:${q.order}:${next.position}:${next.index}`).toString('base64url') : null;
  return { events: out, pagination: { next_page_token: token, head: history.head } };
}
