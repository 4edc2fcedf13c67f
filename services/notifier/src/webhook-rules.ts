import { randomBytes } from 'node:crypto';
import { DomainError, ErrorCodes, isBucketName, isPublicEventType, PUBLIC_EVENT_TYPES, type RegisterWebhookPayload } from '@gilt/contracts';

const KINDS = new Set(PUBLIC_EVENT_TYPES.map((t) => t.split('.')[0]));
export const MIN_SECRET_CHARS = 16;

const invalid = (field: string, message: string) => new DomainError(ErrorCodes.validation, `${field}: ${message}`, { field });

/** `*`, a public type (`channel.assigned`) or all of a kind (`channel.*`). */
export const isEventFilter = (f: unknown): f is string => f === '*' || isPublicEventType(f) || (typeof f === 'string' && f.endsWith('.*') && KINDS.has(f.slice(0, -2)));

/**
 * The rules a registration must meet, checked where it is decided (the gateway's DTO checks
 * shapes; anyone else on NATS gets the same answers). A missing secret is made here and
 * handed back once.
 */
export function checkRegistration(p: Partial<RegisterWebhookPayload>): Omit<RegisterWebhookPayload, 'secret'> & { secret: string; generated: boolean } {
  let url: URL;
  try {
    url = new URL(String(p.url));
  } catch {
    throw invalid('url', 'must be an absolute http:// or https:// URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw invalid('url', 'must be an http:// or https:// URL');
  if (url.username || url.password) throw invalid('url', 'must not carry credentials; use the secret to authenticate deliveries');
  const events = p.events ?? ['*'];
  if (!Array.isArray(events) || events.length === 0) throw invalid('events', 'must list at least one event type, or "*"');
  const bad = events.find((e) => !isEventFilter(e));
  if (bad !== undefined) throw invalid('events', `${JSON.stringify(bad)} is not "*", a public event type (${PUBLIC_EVENT_TYPES.join(', ')}) or "<kind>.*"`);
  const buckets = p.buckets ?? [];
  const badBucket = buckets.find((b) => !isBucketName(b));
  if (badBucket !== undefined) throw invalid('buckets', `${JSON.stringify(badBucket)} is not a bucket name`);
  const generated = p.secret === undefined || p.secret === null || p.secret === '';
  const secret = generated ? randomBytes(32).toString('base64url') : String(p.secret);
  if (secret.length < MIN_SECRET_CHARS) throw invalid('secret', `must be at least ${MIN_SECRET_CHARS} characters`);
  return { url: url.toString(), events: [...new Set(events)], buckets: [...new Set(buckets)], description: p.description ?? '', secret, generated };
}
