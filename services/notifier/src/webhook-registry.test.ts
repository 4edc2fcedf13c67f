import { describe, expect, it } from '@jest/globals';
import type { CloudEvent, DomainEvent, StoredCommit } from '@gilt/contracts';
import { matches, viewOfDelivery, WebhookRegistry } from './webhook-registry.js';

const sealed = { alg: 'aes-256-gcm' as const, key_id: 'k', iv: '', tag: '', ciphertext: '' };
const commit = (position: number, events: DomainEvent[]): StoredCommit => ({
  position,
  stream: 'webhook.W',
  events,
  meta: { command_id: `c${position}`, actor: 'admin', occurred_at: new Date(position * 1000).toISOString(), correlation_id: 'x', causation_id: null, schema_version: 1 },
  prev_hash: '',
  hash: '',
});
const event = (id: string, type: string, bucket = 'app'): CloudEvent =>
  ({ specversion: '1.0', id, source: '/gilt', type: `gilt.${type}`, subject: '', time: 't', datacontenttype: 'application/json', data: { bucket: { name: bucket } } }) as CloudEvent;
const registered = (id: string, events: string[], buckets: string[] = []): DomainEvent => ({ type: 'WebhookRegistered', webhook_id: id, url: 'http://x', events, buckets, description: '', secret: sealed });
const attempt = (n: number, ok: boolean, final: boolean): DomainEvent => ({
  type: 'WebhookDeliveryAttempted',
  webhook_id: 'W',
  delivery_id: '2-0',
  event_id: '2-0',
  attempt: n,
  at: 't',
  status_code: ok ? 200 : 500,
  duration_ms: 1,
  error: null,
  ok,
  final,
});

describe('matches', () => {
  it('takes exact types, a whole kind, everything, and only the buckets named', () => {
    expect(matches({ events: ['channel.assigned'], buckets: [] }, event('1-0', 'channel.assigned'))).toBe(true);
    expect(matches({ events: ['channel.assigned'], buckets: [] }, event('1-0', 'channel.promoted'))).toBe(false);
    expect(matches({ events: ['channel.*'], buckets: [] }, event('1-0', 'channel.promoted'))).toBe(true);
    expect(matches({ events: ['channel.*'], buckets: [] }, event('1-0', 'version.revoked'))).toBe(false);
    expect(matches({ events: ['*'], buckets: ['web'] }, event('1-0', 'version.revoked'))).toBe(false);
    expect(matches({ events: ['*'], buckets: ['web'] }, event('1-0', 'version.revoked', 'web'))).toBe(true);
  });
});

describe('WebhookRegistry', () => {
  it('creates a delivery per matching event, pending until a final attempt, counting a repeated record once', () => {
    const r = new WebhookRegistry();
    r.apply(commit(1, [registered('W', ['channel.assigned'])]), []);
    const created = r.apply(commit(2, []), [event('2-0', 'channel.assigned'), event('2-1', 'version.completed')]);
    expect(created.map((d) => d.id)).toEqual(['2-0']);
    r.apply(commit(3, [attempt(1, false, false), attempt(1, false, false)]), []);
    expect(r.pendingFor('2-0').map((d) => d.attempts.length)).toEqual([1]);
    r.apply(commit(4, [attempt(2, true, true)]), []);
    expect(r.pendingFor('2-0')).toEqual([]);
    expect(viewOfDelivery(r.delivery('W', '2-0')!)).toMatchObject({ status: 'delivered', attempts: [{ attempt: 1 }, { attempt: 2 }] });
  });

  it('numbers redeliveries per event and drops pending deliveries of a deleted webhook', () => {
    const r = new WebhookRegistry();
    r.apply(commit(1, [registered('W', ['*'])]), []);
    r.apply(commit(2, []), [event('2-0', 'bucket.created')]);
    const w = r.webhook('W')!;
    expect(r.nextRedeliveryId(w, '2-0')).toBe('2-0-r1');
    const [again] = r.apply(commit(3, [{ type: 'WebhookRedeliveryRequested', webhook_id: 'W', delivery_id: '2-0-r1', event_id: '2-0', redelivery_of: '2-0' }]), []);
    expect(again).toMatchObject({ id: '2-0-r1', event_id: '2-0', event_type: 'bucket.created', redelivery_of: '2-0' });
    expect(r.nextRedeliveryId(w, '2-0')).toBe('2-0-r2');
    expect(r.deliveries('W', null, 1).items.map((d) => d.id)).toEqual(['2-0-r1']);
    expect(r.deliveries('W', again!.seq, 10).items.map((d) => d.id)).toEqual(['2-0']);
    expect(r.allPending()).toHaveLength(2);
    r.apply(commit(4, [{ type: 'WebhookDeleted', webhook_id: 'W' }]), [event('4-0', 'bucket.deleted')]);
    expect(r.allPending()).toEqual([]);
    expect(r.webhook('W')).toBeUndefined();
  });
});
