import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHmac } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { Redis } from 'ioredis';
import type { CloudEvent } from '@gilt/contracts';
import { RegistryReadModel, toPublicEvents } from '@gilt/domain';
import { EventStore } from '@gilt/eventstore-client';
import { schemaErrors, startGilt, type GiltStack } from '@gilt/testing';
import { amazonArtifacts, fixtureJson } from './fixtures.js';

// Retries a few hundred ms apart, so the webhook test does not wait for production backoff.
process.env.GILT_WEBHOOK_BACKOFF_MS = '200';

let gilt: GiltStack;
let nc: NatsConnection;
let jsm: JetStreamManager;
const manifest = fixtureJson('manifests-cloud', 'amazon-ebs.json');

beforeAll(async () => {
  gilt = await startGilt();
  nc = await connect({ servers: gilt.nats.url });
  jsm = await jetstreamManager(nc);
});
afterAll(async () => {
  await nc?.close();
  await gilt?.stop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function eventually<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

const publish = (bucket: string, fingerprint: string) => gilt.request('POST', `/v1/buckets/${bucket}/publish`, { role: 'contributor', body: { manifest, fingerprint } });
const put = (bucket: string, channel: string, version: string) => gilt.request('PUT', `/v1/buckets/${bucket}/channels/${channel}`, { role: 'admin', body: { version, create: true } });

interface Stored {
  seq: number;
  subject: string;
  event: CloudEvent;
}

/** Everything in GILT_PUBLIC, in stream order. */
async function publicStream(): Promise<Stored[]> {
  const last = (await jsm.streams.info('GILT_PUBLIC')).state.last_seq;
  const out: Stored[] = [];
  for (let seq = 1; seq <= last; seq++) {
    const m = await jsm.streams.getMessage('GILT_PUBLIC', { seq });
    if (m) out.push({ seq, subject: m.subject, event: m.json<CloudEvent>() });
  }
  return out;
}

/** What the log says should be public: the pure mapping over a fresh replay, as the notifier does it. */
async function expectedFromLog(): Promise<CloudEvent[]> {
  const store = await EventStore.connect({ servers: gilt.nats.url, name: 'test-replay' });
  try {
    let now = 0;
    const model = new RegistryReadModel(() => now);
    const out: CloudEvent[] = [];
    for await (const c of store.readAll()) {
      now = Date.parse(c.meta.occurred_at);
      model.apply(c);
      out.push(...toPublicEvents(c, model));
    }
    return out;
  } finally {
    await store.close();
  }
}

/** Waits until GILT_PUBLIC holds everything the log stands for, and returns both. */
async function caughtUp(): Promise<{ stored: Stored[]; expected: CloudEvent[] }> {
  return eventually('GILT_PUBLIC to catch up with the log', async () => {
    const [stored, expected] = [await publicStream(), await expectedFromLog()];
    return stored.length >= expected.length && stored[stored.length - 1]?.event.id === expected[expected.length - 1]?.id ? { stored, expected } : undefined;
  });
}

/** The raw log, as an export would hold it. */
async function rawLog(): Promise<string> {
  const store = await EventStore.connect({ servers: gilt.nats.url, name: 'test-export' });
  try {
    const lines: string[] = [];
    for await (const c of store.readAll()) lines.push(JSON.stringify(c));
    return lines.join('\n');
  } finally {
    await store.close();
  }
}

describe('public event stream', () => {
  it('publishes a publish → assign → promote → rollback flow on gilt.public.v1.<type>.<bucket>[.<channel>]', async () => {
    expect((await publish('web', 'w1')).status).toBe(201);
    expect((await publish('web', 'w2')).status).toBe(201);
    expect((await put('web', 'staging', 'v2')).status).toBe(200);
    expect((await put('web', 'prod', 'v1')).status).toBe(200);
    expect((await gilt.request('POST', '/v1/buckets/web/channels/promote', { role: 'contributor', body: { from: 'staging', to: 'prod', reason: 'release 2' } })).status).toBe(200);
    expect((await gilt.request('POST', '/v1/buckets/web/channels/prod/rollback', { role: 'contributor', body: { reason: 'smoke test failed' } })).status).toBe(200);

    const { stored } = await caughtUp();
    const web = stored.filter((s) => s.event.data.bucket.name === 'web');
    expect(web.map((s) => s.subject)).toEqual([
      'gilt.public.v1.bucket.created.web',
      'gilt.public.v1.version.completed.web',
      'gilt.public.v1.channel.assigned.web.latest',
      'gilt.public.v1.version.completed.web',
      'gilt.public.v1.channel.assigned.web.latest',
      'gilt.public.v1.channel.assigned.web.staging',
      'gilt.public.v1.channel.assigned.web.prod',
      'gilt.public.v1.channel.promoted.web.prod',
      'gilt.public.v1.channel.assigned.web.prod',
      'gilt.public.v1.channel.rolled_back.web.prod',
      'gilt.public.v1.channel.assigned.web.prod',
    ]);
    const [promoted, afterPromotion, rolledBack, afterRollback] = web.slice(7).map((s) => s.event);
    expect(promoted).toMatchObject({
      specversion: '1.0',
      type: 'gilt.channel.promoted',
      subject: 'buckets/web/channels/prod',
      datacontenttype: 'application/json',
      data: { promoted_from: 'staging', reason: 'release 2', actor: 'contributor-user', version: { name: 'v2' }, previous_version: { name: 'v1' } },
    });
    expect(afterPromotion!.data).toMatchObject({ cause: 'promoted', version: { name: 'v2' } });
    expect(rolledBack!.data).toMatchObject({ version: { name: 'v1' }, previous_version: { name: 'v2' }, reason: 'smoke test failed' });
    expect(afterRollback!.data).toMatchObject({ cause: 'rolled_back', version: { name: 'v1', status: 'ACTIVE' } });
    expect((afterRollback!.data as any).artifacts).toEqual(amazonArtifacts(manifest.builds[0].artifact_id).map((a) => ({ build: manifest.builds[0].name, platform: 'aws', ...a })));
    // Ids carry the log position, so the stream's order is the log's.
    const ids = stored.map((s) => s.event.id.split('-').map(Number));
    for (let i = 1; i < ids.length; i++) expect(ids[i]![0]! * 1e6 + ids[i]![1]!).toBeGreaterThan(ids[i - 1]![0]! * 1e6 + ids[i - 1]![1]!);
  });

  it('publishes revocations: scheduled, cancelled, revoked with the channels it rolled back, restored', async () => {
    expect((await publish('rev', 'r1')).status).toBe(201);
    expect((await publish('rev', 'r2')).status).toBe(201);
    expect((await put('rev', 'prod', 'v1')).status).toBe(200);
    expect((await put('rev', 'prod', 'v2')).status).toBe(200);
    const v2 = (await gilt.request('GET', '/v1/buckets/rev/versions/v2')).body.version.id;
    const { stored: before } = await caughtUp();
    const revoke = (path: string, body: object) => gilt.request('POST', `/v1/buckets/rev/versions/v2/${path}`, { role: 'contributor', body });
    expect((await revoke('revoke', { reason: 'CVE-1', revoke_in: '1h' })).status).toBe(200);
    expect((await revoke('revoke/cancel', { reason: 'false alarm' })).status).toBe(200);
    expect((await revoke('revoke', { reason: 'CVE-2' })).status).toBe(200);
    expect((await revoke('restore', {})).status).toBe(200);

    const { stored } = await caughtUp();
    const events = stored.slice(before.length).map((s) => s.event).filter((e) => e.data.bucket.name === 'rev');
    const data = (type: string, channel?: string) => events.filter((e) => e.type === `gilt.${type}` && (!channel || (e.data as any).channel.name === channel)).map((e) => e.data as any);
    expect(data('version.revocation_scheduled')).toEqual([expect.objectContaining({ version: expect.objectContaining({ id: v2, status: 'REVOCATION_SCHEDULED' }), revocation: expect.objectContaining({ kind: 'MANUAL', reason: 'CVE-1' }) })]);
    expect(data('version.revocation_cancelled')).toEqual([expect.objectContaining({ version: expect.objectContaining({ id: v2, status: 'ACTIVE' }) })]);
    expect(data('version.revoked')).toEqual([
      expect.objectContaining({
        version: expect.objectContaining({ id: v2, status: 'REVOKED' }),
        revocation: expect.objectContaining({ reason: 'CVE-2', actor: 'contributor-user' }),
        channels_rolled_back: expect.arrayContaining([expect.objectContaining({ channel: 'prod', to_version: expect.objectContaining({ name: 'v1' }) })]),
      }),
    ]);
    expect(data('channel.rolled_back', 'prod')).toEqual([expect.objectContaining({ version: expect.objectContaining({ name: 'v1' }), because_revocation_of: expect.objectContaining({ id: v2 }) })]);
    expect(data('channel.assigned', 'prod')).toEqual([expect.objectContaining({ cause: 'rolled_back', version: expect.objectContaining({ name: 'v1' }) })]);
    expect(data('version.restored')).toEqual([expect.objectContaining({ version: expect.objectContaining({ id: v2, status: 'ACTIVE' }) })]);
    // latest left v2 when it was revoked and came back when it was restored.
    expect(data('channel.assigned', 'latest').map((d) => [d.version.name, d.reason])).toEqual([
      ['v1', 'v2 revoked'],
      ['v2', 'v2 restored'],
    ]);
  });

  it('serves a JSON Schema per public type, and every published event conforms to its own', async () => {
    const list = await gilt.request('GET', '/v1/schemas', { role: null });
    expect(list.status).toBe(200);
    expect(list.body.schemas.map((s: any) => s.type)).toEqual([
      'version.completed',
      'version.revoked',
      'version.revocation_scheduled',
      'version.revocation_cancelled',
      'version.restored',
      'channel.assigned',
      'channel.promoted',
      'channel.rolled_back',
      'channel.emptied',
      'bucket.created',
      'bucket.deleted',
    ]);
    expect(list.body.schemas.find((s: any) => s.type === 'channel.assigned')).toMatchObject({ nats_subject: 'gilt.public.v1.channel.assigned.<bucket>.<channel>', url: '/v1/schemas/channel.assigned' });
    const schemas = new Map<string, any>();
    for (const s of list.body.schemas) {
      const r = await gilt.request('GET', s.url, { role: null });
      expect(r.status).toBe(200);
      expect(r.headers.get('content-type')).toMatch(/^application\/schema\+json/);
      schemas.set(s.cloud_event_type, r.body);
    }
    expect((await gilt.request('GET', '/v1/schemas/gilt.channel.assigned', { role: null })).body).toEqual(schemas.get('gilt.channel.assigned'));
    expect((await gilt.request('GET', '/v1/schemas/channel.exploded', { role: null })).status).toBe(404);

    // An unassign and a bucket deletion: the two types the tests above did not cause.
    await gilt.request('POST', '/v1/buckets/web/channels/staging/unassign', { role: 'contributor', body: { reason: 'done' } });
    await gilt.request('POST', '/v1/buckets', { role: 'contributor', body: { name: 'doomed' } });
    await gilt.request('DELETE', '/v1/buckets/doomed', { role: 'admin' });
    const { stored } = await caughtUp();
    // Every public type has been published by now, each checked against its schema below.
    expect([...new Set(stored.map((s) => s.event.type))].sort()).toEqual([...schemas.keys()].sort());
    for (const s of stored) expect({ id: s.event.id, errors: schemaErrors(schemas.get(s.event.type), s.event) }).toEqual({ id: s.event.id, errors: [] });
  });

  it('publishes every event exactly once when the notifier is killed with -9 in the middle of a burst of writes', async () => {
    // With a 1 s duplicate window, JetStream's dedup cannot hide a notifier that resumes at the
    // wrong place: only resuming right after the last stored event keeps the stream clean.
    const info = await jsm.streams.info('GILT_PUBLIC');
    await jsm.streams.update('GILT_PUBLIC', { ...info.config, duplicate_window: 1_000_000_000 });
    expect((await publish('burst', 'b1')).status).toBe(201);
    expect((await publish('burst', 'b2')).status).toBe(201);
    const before = (await publicStream()).length;

    const lanes = 4;
    const perLane = 40;
    let writesDone = false;
    const writes = Promise.all(
      Array.from({ length: lanes }, async (_, lane) => {
        for (let i = 0; i < perLane; i++) expect((await put('burst', `lane${lane}`, i % 2 ? 'v1' : 'v2')).status).toBe(200);
      }),
    ).then(() => (writesDone = true));
    while ((await jsm.streams.info('GILT_PUBLIC')).state.last_seq < before + 5) await sleep(5);
    await gilt.stopService('notifier', 'SIGKILL');
    const atKill = (await jsm.streams.info('GILT_PUBLIC')).state.last_seq;
    expect(writesDone).toBe(false);
    await sleep(1500); // past the duplicate window
    await gilt.startService('notifier');
    await writes;

    const { stored, expected } = await caughtUp();
    const ids = stored.map((s) => s.event.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual(expected.map((e) => e.id));
    expect(stored.map((s) => s.event)).toEqual(expected);
    expect(stored.filter((s) => s.subject.startsWith('gilt.public.v1.channel.assigned.burst.lane'))).toHaveLength(lanes * perLane);
    expect(atKill).toBeLessThan(before + lanes * perLane);
  });
});

describe('webhooks', () => {
  interface Received {
    headers: http.IncomingHttpHeaders;
    body: string;
  }
  let receiver: http.Server;
  let receiverUrl: string;
  const received: Received[] = [];
  const failuresLeft = new Map<string, number>();

  beforeAll(async () => {
    // A real receiver that fails the first two attempts of every delivery, then accepts.
    receiver = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        const key = String(req.headers['x-gilt-delivery']);
        const left = failuresLeft.get(key) ?? 2;
        failuresLeft.set(key, left - 1);
        res.writeHead(left > 0 ? 500 : 200).end(left > 0 ? 'not yet' : 'ok');
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks/gilt`;
  });
  afterAll(async () => {
    await new Promise((r) => receiver.close(r));
  });

  const secret = 'a-shared-secret-of-some-length';
  const signed = (body: string, key: string) => `sha512=${createHmac('sha512', key).update(body).digest('hex')}`;
  let webhookId: string;

  it('lets only admins register, list and delete webhooks, checks the filter, and never shows the secret', async () => {
    const body = { url: receiverUrl, events: ['channel.assigned'], buckets: ['hooked'], secret, description: 'deploys' };
    expect((await gilt.request('POST', '/v1/webhooks', { role: 'contributor', body })).status).toBe(403);
    expect((await gilt.request('GET', '/v1/webhooks', { role: 'viewer' })).status).toBe(403);
    const bad = await gilt.request('POST', '/v1/webhooks', { body: { ...body, events: ['channel.exploded'] } });
    expect(bad.status).toBe(400);
    expect(bad.body.details.field).toBe('events');
    expect((await gilt.request('POST', '/v1/webhooks', { body: { ...body, url: 'ftp://example.com/x' } })).body.details.field).toBe('url');

    const r = await gilt.request('POST', '/v1/webhooks', { body });
    expect(r.status).toBe(201);
    expect(r.body.webhook).toMatchObject({ url: receiverUrl, events: ['channel.assigned'], buckets: ['hooked'], description: 'deploys', created_by: 'admin-user' });
    expect(r.text).not.toContain(secret);
    webhookId = r.body.webhook.id;

    // Without a secret, Gilt makes one and shows it once.
    const made = await gilt.request('POST', '/v1/webhooks', { body: { url: receiverUrl, events: ['version.*'], buckets: ['nothing-here'] } });
    expect(made.body.secret).toMatch(/^[A-Za-z0-9_-]{40,}$/);
    const list = await gilt.request('GET', '/v1/webhooks');
    expect(list.body.webhooks.map((w: any) => w.id)).toEqual([webhookId, made.body.webhook.id]);
    expect(list.text).not.toContain(secret);
    expect(list.text).not.toContain(made.body.secret);
    const past = await gilt.request('GET', '/v1/webhooks?as_of=1');
    expect(past.status).toBe(400);
    expect(past.body.details.field).toBe('as_of');
    expect((await gilt.request('DELETE', `/v1/webhooks/${made.body.webhook.id}`)).status).toBe(200);
    expect((await gilt.request('GET', `/v1/webhooks/${made.body.webhook.id}`)).status).toBe(404);
    // The log has the registration, but only sealed: an export of the log does not leak it.
    const log = await rawLog();
    expect(log).toContain(webhookId);
    expect(log).not.toContain(secret);
  });

  it('signs each delivery, retries with backoff through 500s and logs every attempt', async () => {
    expect((await publish('hooked', 'h1')).status).toBe(201);
    const first = await eventually('three attempts at the receiver', async () => (received.length >= 3 ? received.slice(0, 3) : undefined));
    for (const r of first) {
      expect(r.headers['content-type']).toBe('application/cloudevents+json');
      expect(r.headers['x-gilt-signature']).toBe(signed(r.body, secret));
      expect(r.headers['x-gilt-signature']).not.toBe(signed(r.body, 'another-secret-entirely'));
      expect(r.headers['x-gilt-timestamp']).toMatch(/^\d{10}$/);
      const e = JSON.parse(r.body) as CloudEvent;
      expect(e).toMatchObject({ specversion: '1.0', type: 'gilt.channel.assigned', subject: 'buckets/hooked/channels/latest' });
      expect(r.headers['x-gilt-event-id']).toBe(e.id);
      expect(r.headers['x-gilt-delivery']).toBe(e.id);
    }
    expect(new Set(first.map((r) => r.body)).size).toBe(1);
    expect(first.map((r) => r.headers['x-gilt-attempt'])).toEqual(['1', '2', '3']);
    const eventId = JSON.parse(first[0]!.body).id as string;
    // The body is the stored public event, byte for byte.
    const stored = (await publicStream()).find((s) => s.event.id === eventId)!;
    expect(JSON.parse(first[0]!.body)).toEqual(stored.event);

    const log = await eventually('the delivery to be logged as delivered', async () => {
      const r = await gilt.request('GET', `/v1/webhooks/${webhookId}/deliveries`);
      return r.body.deliveries?.[0]?.status === 'delivered' ? r.body : undefined;
    });
    expect(log.pagination.total).toBe(1);
    const d = log.deliveries[0];
    expect(d).toMatchObject({ id: eventId, event_id: eventId, event_type: 'channel.assigned', redelivery_of: null });
    expect(d.attempts.map((a: any) => [a.attempt, a.status_code, a.error])).toEqual([
      [1, 500, 'HTTP 500'],
      [2, 500, 'HTTP 500'],
      [3, 200, null],
    ]);
    for (const a of d.attempts) expect(a.duration_ms).toBeGreaterThanOrEqual(0);
    const gaps = d.attempts.slice(1).map((a: any, i: number) => Date.parse(a.at) - Date.parse(d.attempts[i].at));
    expect(gaps[0]).toBeGreaterThanOrEqual(180); // 200 ms, then 400 ms: exponential
    expect(gaps[1]).toBeGreaterThanOrEqual(380);
    // Events outside the filter (other buckets, other types) were not sent.
    expect(received.every((r) => JSON.parse(r.body).data.bucket.name === 'hooked')).toBe(true);
  });

  it('sends a delivery again on request, as a new delivery of the same event', async () => {
    const deliveries = (await gilt.request('GET', `/v1/webhooks/${webhookId}/deliveries`)).body.deliveries;
    const original = deliveries[0];
    const before = received.length;
    failuresLeft.set(`${original.id}-r1`, 0);
    const r = await gilt.request('POST', `/v1/webhooks/${webhookId}/deliveries/${original.id}/redeliver`);
    expect(r.status).toBe(202);
    expect(r.body.delivery).toMatchObject({ id: `${original.id}-r1`, event_id: original.event_id, redelivery_of: original.id });
    const again = await eventually('the redelivery', async () => received[before]);
    expect(again.headers['x-gilt-delivery']).toBe(`${original.id}-r1`);
    expect(again.headers['x-gilt-event-id']).toBe(original.event_id);
    expect(again.body).toBe(received[0]!.body);
    expect(again.headers['x-gilt-signature']).toBe(signed(again.body, secret));
    const page = await eventually('the redelivery to be logged', async () => {
      const l = (await gilt.request('GET', `/v1/webhooks/${webhookId}/deliveries?page_size=1`)).body;
      return l.deliveries[0]?.status === 'delivered' ? l : undefined;
    });
    expect(page.deliveries[0]).toMatchObject({ id: `${original.id}-r1`, attempts: [{ attempt: 1, status_code: 200 }] });
    const older = (await gilt.request('GET', `/v1/webhooks/${webhookId}/deliveries?page_size=1&page_token=${page.pagination.next_page_token}`)).body;
    expect(older.deliveries.map((x: any) => x.id)).toEqual([original.id]);
    expect(older.pagination.next_page_token).toBeNull();
    expect((await gilt.request('POST', `/v1/webhooks/${webhookId}/deliveries/999-0/redeliver`)).status).toBe(404);
  });

  it('finishes a delivery in progress after kill -9 of the notifier and a wiped Redis: the log has what it needs', async () => {
    // Slower retries, so the notifier can be killed between two attempts without a race.
    await gilt.stopService('notifier', 'SIGKILL');
    process.env.GILT_WEBHOOK_BACKOFF_MS = '1500';
    await gilt.startService('notifier');
    const before = received.length;
    expect((await put('hooked', 'prod', 'v1')).status).toBe(200);
    const prod = await eventually('the first attempt of the prod delivery', async () => received.slice(before).find((r) => JSON.parse(r.body).subject === 'buckets/hooked/channels/prod'));
    const deliveryId = String(prod.headers['x-gilt-delivery']);
    await eventually('attempt 1 to be logged', async () => {
      const l = (await gilt.request('GET', `/v1/webhooks/${webhookId}/deliveries?page_size=1`)).body;
      return l.deliveries[0]?.id === deliveryId && l.deliveries[0].attempts.length === 1;
    });
    await gilt.stopService('notifier', 'SIGKILL');
    const redis = new Redis(gilt.redis.url);
    await redis.flushall();
    redis.disconnect();
    await gilt.startService('notifier');

    const log = await eventually('the delivery to finish', async () => {
      const l = (await gilt.request('GET', `/v1/webhooks/${webhookId}/deliveries?page_size=1`)).body;
      return l.deliveries[0]?.status === 'delivered' ? l.deliveries[0] : undefined;
    });
    expect(log.attempts.map((a: any) => a.status_code)).toEqual([500, 500, 200]);
    const atReceiver = received.slice(before).filter((r) => r.headers['x-gilt-delivery'] === deliveryId);
    expect(atReceiver.map((r) => r.headers['x-gilt-attempt'])).toEqual(['1', '2', '3']);
    for (const r of atReceiver) expect(r.headers['x-gilt-signature']).toBe(signed(r.body, secret));
    process.env.GILT_WEBHOOK_BACKOFF_MS = '200';
  });

  it('stops delivering once the webhook is deleted', async () => {
    expect((await gilt.request('DELETE', `/v1/webhooks/${webhookId}`)).status).toBe(200);
    const after = received.length;
    expect((await publish('hooked', 'h2')).status).toBe(201);
    expect((await put('hooked', 'prod', 'v2')).status).toBe(200);
    await caughtUp();
    await sleep(1000);
    expect(received.length).toBe(after);
    expect((await gilt.request('GET', `/v1/webhooks/${webhookId}/deliveries`)).status).toBe(404);
  });
});

describe('GET /v1/events/stream (Server-Sent Events)', () => {
  interface Frame {
    id: string;
    event: string;
    data: CloudEvent;
  }

  /** Opens the stream and collects frames until closed. `opened` resolves on the first bytes (the subscription is in place). */
  function openStream(query: string, opts: { role?: 'admin' | 'viewer'; lastEventId?: string } = {}) {
    const abort = new AbortController();
    const frames: Frame[] = [];
    const headers: Record<string, string> = { authorization: `Bearer ${gilt.tokens[opts.role ?? 'admin']}` };
    if (opts.lastEventId) headers['last-event-id'] = opts.lastEventId;
    const opened = (async () => {
      const r = await fetch(`${gilt.url}/v1/events/stream${query}`, { headers, signal: abort.signal });
      expect(r.status).toBe(200);
      expect(r.headers.get('content-type')).toMatch(/^text\/event-stream/);
      const reader = r.body!.getReader();
      const decoder = new TextDecoder();
      let buffer = '';
      const take = (chunk: Uint8Array | undefined) => {
        buffer += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const field = (name: string) => block.split('\n').find((l) => l.startsWith(`${name}: `))?.slice(name.length + 2);
          const data = field('data');
          if (data) frames.push({ id: field('id')!, event: field('event')!, data: JSON.parse(data) });
        }
      };
      const pump = async () => {
        for (;;) {
          const { done, value } = await reader.read().catch(() => ({ done: true, value: undefined }));
          if (done) return;
          take(value);
        }
      };
      take((await reader.read()).value);
      void pump();
    })();
    return {
      frames,
      opened,
      waitFor: (n: number) => eventually(`${n} SSE frames`, async () => (frames.length >= n ? frames.slice(0, n) : undefined)),
      close: () => abort.abort(),
    };
  }

  it('streams public events live, filtered by bucket and type, and resumes after Last-Event-ID without a gap or a repeat', async () => {
    const all = openStream('?bucket=sse');
    const assignedOnly = openStream('?bucket=sse&type=channel.assigned');
    const viewer = openStream('?bucket=sse', { role: 'viewer' });
    await Promise.all([all.opened, assignedOnly.opened, viewer.opened]);

    expect((await publish('sse', 's1')).status).toBe(201);
    expect((await put('sse', 'prod', 'v1')).status).toBe(200);
    expect((await gilt.request('PATCH', '/v1/buckets/sse/channels/prod', { role: 'admin', body: { restricted: true } })).status).toBe(200);
    expect((await publish('sse', 's2')).status).toBe(201);
    expect((await put('sse', 'prod', 'v2')).status).toBe(200);
    expect((await publish('other', 'o1')).status).toBe(201);

    const frames = await all.waitFor(7);
    expect(frames.map((f) => `${f.event} ${f.data.subject}`)).toEqual([
      'gilt.bucket.created buckets/sse',
      'gilt.version.completed buckets/sse/versions/v1',
      'gilt.channel.assigned buckets/sse/channels/latest',
      'gilt.channel.assigned buckets/sse/channels/prod',
      'gilt.version.completed buckets/sse/versions/v2',
      'gilt.channel.assigned buckets/sse/channels/latest',
      'gilt.channel.assigned buckets/sse/channels/prod',
    ]);
    for (const f of frames) expect(f.id).toBe(f.data.id);
    expect((await assignedOnly.waitFor(4)).map((f) => f.data.subject)).toEqual([
      'buckets/sse/channels/latest',
      'buckets/sse/channels/prod',
      'buckets/sse/channels/latest',
      'buckets/sse/channels/prod',
    ]);
    // Viewers do not see restricted channels: prod's assignment after it was restricted is not theirs to see.
    expect((await viewer.waitFor(6)).map((f) => f.id)).toEqual(frames.slice(0, 6).map((f) => f.id));
    await sleep(300);
    expect(all.frames).toHaveLength(7);
    expect(assignedOnly.frames).toHaveLength(4);
    expect(viewer.frames).toHaveLength(6);
    all.close();
    assignedOnly.close();
    viewer.close();

    // A client that saw the first three reconnects: it gets exactly the rest, from the stream's history.
    const resumed = openStream('?bucket=sse', { lastEventId: frames[2]!.id });
    await resumed.opened;
    expect((await resumed.waitFor(4)).map((f) => f.id)).toEqual(frames.slice(3).map((f) => f.id));
    const byQuery = openStream(`?bucket=sse&type=version.completed&last_event_id=${frames[0]!.id}`);
    await byQuery.opened;
    expect((await byQuery.waitFor(2)).map((f) => f.data.subject)).toEqual(['buckets/sse/versions/v1', 'buckets/sse/versions/v2']);
    await sleep(300);
    expect(resumed.frames).toHaveLength(4);
    resumed.close();
    byQuery.close();

    expect((await gilt.request('GET', '/v1/events/stream?type=nope')).status).toBe(400);
    expect((await gilt.request('GET', '/v1/events/stream', { headers: { 'last-event-id': 'yesterday' } })).status).toBe(400);
    expect((await gilt.request('GET', '/v1/events/stream', { role: null })).status).toBe(401);
  });
});

