import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';
import { ulid } from 'ulid';
import type { DomainEvent, StoredCommit } from '@gilt/contracts';
import { EventStore } from '@gilt/eventstore-client';
import { LogSeeder, runCli, startGilt, type GiltStack, type SeedVersion } from '@gilt/testing';
import { fixtureJson } from './fixtures.js';

let gilt: GiltStack;
let store: EventStore;
let redis: Redis;

beforeAll(async () => {
  gilt = await startGilt({ services: ['ingestion', 'channels', 'revocation', 'gateway'] });
  store = await EventStore.connect({ servers: gilt.nats.url, name: 'revocation-test' });
  redis = new Redis(gilt.redis.url, { maxRetriesPerRequest: 1 });
}, 60_000);
afterAll(async () => {
  redis?.disconnect();
  await store?.close();
  await gilt?.stop();
});

// ---- helpers ------------------------------------------------------------------------------

/** An AMI id (the manifest parser wants hex) named by a label, so tests can say which image is which. */
const ami = (label: string) => `ami-${createHash('sha1').update(label).digest('hex').slice(0, 17)}`;

interface BuildSpec {
  /** Label of the build's artifact. */
  artifact: string;
  /** Label of the source image: a parent's artifact. */
  source?: string;
}

/** A Packer manifest with one amazon-ebs build per spec (builds named b0, b1, …). */
function manifest(run: string, builds: BuildSpec[]) {
  return {
    builds: builds.map((b, i) => ({
      name: `amazon-ebs.b${i}`,
      builder_type: 'amazon-ebs',
      build_time: 1795250040,
      files: null,
      artifact_id: `us-east-1:${ami(b.artifact)}`,
      packer_run_uuid: run,
      custom_data: b.source ? { source_image_id: ami(b.source) } : {},
    })),
    last_run_uuid: run,
  };
}

async function publish(bucket: string, body: Record<string, unknown>): Promise<{ id: string; name: string }> {
  const r = await gilt.request('POST', `/v1/buckets/${bucket}/publish`, { role: 'contributor', body });
  if (r.status !== 201) throw new Error(`publish to ${bucket}: ${r.status} ${r.text}`);
  return r.body.version;
}

/** A complete version with one build per spec, fingerprint `fp`. */
const version = (bucket: string, fp: string, builds: BuildSpec[]) => publish(bucket, { manifest: manifest(`run-${fp}`, builds), fingerprint: fp });

async function assign(bucket: string, channel: string, ...versions: string[]): Promise<void> {
  for (const v of versions) {
    const r = await gilt.request('PUT', `/v1/buckets/${bucket}/channels/${channel}`, { role: 'contributor', body: { version: v, create: true } });
    if (r.status !== 200) throw new Error(`assign ${bucket}:${channel} ${v}: ${r.status} ${r.text}`);
  }
}

const revoke = (bucket: string, v: string, body: Record<string, unknown>, query = '') =>
  gilt.request('POST', `/v1/buckets/${bucket}/versions/${v}/revoke${query}`, { role: 'contributor', body });
const getVersion = async (bucket: string, v: string) => (await gilt.request('GET', `/v1/buckets/${bucket}/versions/${v}`, { role: 'viewer' })).body.version;
const channelVersion = async (bucket: string, c: string) => (await gilt.request('GET', `/v1/buckets/${bucket}/channels/${c}`, { role: 'viewer' })).body.channel.version?.name ?? null;

async function events(): Promise<{ commit: StoredCommit; event: DomainEvent }[]> {
  const out: { commit: StoredCommit; event: DomainEvent }[] = [];
  for await (const commit of store.readAll()) for (const event of commit.events) out.push({ commit, event });
  return out;
}

/** How many VersionRevoked events the log holds for each version. */
async function revokedCounts(): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const { event } of await events()) if (event.type === 'VersionRevoked') counts.set(event.version_id, (counts.get(event.version_id) ?? 0) + 1);
  return counts;
}

async function until<T>(what: string, probe: () => Promise<T | undefined | null | false>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const sleepUntil = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms - Date.now())));

// ---- immediate revocation ------------------------------------------------------------------

describe('revoking now', () => {
  it('rolls channels back, says which are left empty (answer and event), and moves latest', async () => {
    const [, v2, v3] = [await version('rb-app', 'rb1', [{ artifact: 'rb1' }]), await version('rb-app', 'rb2', [{ artifact: 'rb2' }]), await version('rb-app', 'rb3', [{ artifact: 'rb3' }])];
    await assign('rb-app', 'prod', 'v2', 'v3');
    await assign('rb-app', 'canary', 'v3');
    const r = await revoke('rb-app', 'v3', { reason: 'CVE-2026-0001' });
    expect(r.status).toBe(200);
    expect(r.body.revocation).toMatchObject({ status: 'REVOKED', type: 'MANUAL', reason: 'CVE-2026-0001', author: 'contributor-user', version: { id: v3!.id, name: 'v3' } });
    expect(r.body.affected_versions).toEqual([expect.objectContaining({ id: v3!.id, depth: 0, type: 'MANUAL' })]);
    const rollbacks = Object.fromEntries(r.body.channel_rollbacks.map((c: any) => [c.channel, [c.from?.name, c.to?.name ?? null, c.empty, c.managed]]));
    expect(rollbacks).toEqual({ prod: ['v3', 'v2', false, false], canary: ['v3', null, true, false], latest: ['v3', 'v2', false, true] });
    expect(r.body.message).toMatch(/left empty \(no earlier valid version\): rb-app:canary/);

    expect(await channelVersion('rb-app', 'prod')).toBe('v2');
    expect(await channelVersion('rb-app', 'canary')).toBeNull();
    expect(await channelVersion('rb-app', 'latest')).toBe('v2');
    const resolveCanary = await gilt.request('GET', '/v1/buckets/rb-app/channels/canary/artifact?platform=aws&region=us-east-1', { role: 'viewer' });
    expect(resolveCanary.status).toBe(404);
    expect(resolveCanary.body.details.empty).toBe(true);
    const resolveLatest = await gilt.request('GET', '/v1/buckets/rb-app/channels/latest/artifact?platform=aws&region=us-east-1', { role: 'viewer' });
    expect(resolveLatest.body).toMatchObject({ external_id: ami('rb2'), revoked: false });

    const history = (await gilt.request('GET', '/v1/buckets/rb-app/channels/prod/history', { role: 'viewer' })).body.history;
    expect(history[0]).toMatchObject({ action: 'rolled_back', version: { name: 'v2' }, previous_version: { name: 'v3' }, because_revocation_of: v3!.id, actor: 'contributor-user' });
    expect(history[0].reason).toMatch(/rb-app:v3 revoked: CVE-2026-0001/);

    // The log says it too: the revocation names the emptied channel, and so does its rollback.
    const log = await events();
    const revoked = log.find(({ event }) => event.type === 'VersionRevoked' && event.version_id === v3!.id)!.event;
    expect(revoked).toMatchObject({ revocation_type: 'MANUAL', channel_rollbacks: expect.arrayContaining([{ bucket: 'rb-app', channel: 'canary', to_version_id: null }, { bucket: 'rb-app', channel: 'prod', to_version_id: v2!.id }]) });
    const emptied = log.find(({ event }) => event.type === 'ChannelRolledBack' && event.channel === 'canary')!.event;
    expect(emptied).toMatchObject({ from_version_id: v3!.id, to_version_id: null, because_revocation_of: v3!.id });

    const again = await revoke('rb-app', 'v3', { reason: 'twice' });
    expect(again.status).toBe(409);
    expect(again.body.message).toMatch(/already revoked/);
  });

  it('leaves channels where they are when rollback is disabled, and says so', async () => {
    await version('nr-app', 'nr1', [{ artifact: 'nr1' }]);
    await version('nr-app', 'nr2', [{ artifact: 'nr2' }]);
    await assign('nr-app', 'prod', 'v1', 'v2');
    const r = await revoke('nr-app', 'v2', { reason: 'keep serving', disable_rollback: true });
    expect(r.status).toBe(200);
    expect(r.body.channels_not_rolled_back).toEqual([{ bucket: 'nr-app', channel: 'prod', version: expect.objectContaining({ name: 'v2' }) }]);
    expect(r.body.channel_rollbacks.filter((c: any) => !c.managed)).toEqual([]);
    expect(await channelVersion('nr-app', 'prod')).toBe('v2');
    const resolve = await gilt.request('GET', '/v1/buckets/nr-app/channels/prod/artifact?platform=aws', { role: 'viewer' });
    expect(resolve.body).toMatchObject({ revoked: true, status: 'REVOKED' });
  });

  it('refuses bad input naming the field, and writes nothing', async () => {
    await version('bad-in', 'bi1', [{ artifact: 'bi1' }]);
    const head = await gilt.logHead();
    const both = await revoke('bad-in', 'v1', { reason: 'x', revoke_at: '2030-01-01T00:00:00Z', revoke_in: '1h' });
    expect(both.status).toBe(400);
    expect(both.body.details).toMatchObject({ field: 'revoke_in', fields: ['revoke_at', 'revoke_in'] });
    expect((await revoke('bad-in', 'v1', {})).body.details.field).toBe('reason');
    expect((await revoke('bad-in', 'v1', { reason: 'x', revoke_in: '3 days' })).body.details.field).toBe('revoke_in');
    expect((await revoke('bad-in', 'v1', { reason: 'x', revoke_at: 'tomorrow' })).body.details.field).toBe('revoke_at');
    expect((await revoke('bad-in', 'v1', { reason: 'x' }, '?dry_run=maybe')).body.details.field).toBe('dry_run');
    expect((await revoke('bad-in', 'v9', { reason: 'x' })).status).toBe(404);
    expect((await gilt.request('POST', '/v1/buckets/bad-in/versions/v1/revoke', { role: 'viewer', body: { reason: 'x' } })).status).toBe(403);
    expect(await gilt.logHead()).toBe(head);
  });
});

// ---- descendants -----------------------------------------------------------------------------

describe('descendants', () => {
  // payments' source image ami-032c6aeda97099fcd is base's us-east-1 artifact: payments v1 is a child of base v1.
  let base: { id: string };
  let app: { id: string };
  beforeAll(async () => {
    base = await publish('lineage-base', { manifest: fixtureJson('manifests-cloud', 'lineage-base.json') });
    app = await publish('payments', { manifest: fixtureJson('manifests-cloud', 'lineage-app.json') });
    await assign('payments', 'prod', 'v1');
  });

  it('dry run lists every version and channel it would touch and writes nothing', async () => {
    const head = await gilt.logHead();
    const r = await revoke('lineage-base', 'v1', { reason: 'CVE-2026-0002' }, '?dry_run=true');
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ dry_run: true, changed: false, revocation: { status: 'REVOKED', version: { id: base.id } } });
    expect(r.body.affected_versions.map((a: any) => [a.bucket, a.name, a.depth, a.type])).toEqual([
      ['lineage-base', 'v1', 0, 'MANUAL'],
      ['payments', 'v1', 1, 'INHERITED'],
    ]);
    expect(r.body.channel_rollbacks).toEqual(
      expect.arrayContaining([expect.objectContaining({ bucket: 'payments', channel: 'prod', managed: false, to: null, empty: true }), expect.objectContaining({ bucket: 'lineage-base', channel: 'latest', managed: true, empty: true })]),
    );
    expect(r.body.message).toMatch(/^dry run, nothing written/);
    const scheduled = await revoke('lineage-base', 'v1', { reason: 'later', revoke_in: '72h' }, '?dry_run=true');
    expect(scheduled.body.revocation.status).toBe('REVOCATION_SCHEDULED');
    expect(Date.parse(scheduled.body.revocation.revoke_at) - Date.now()).toBeGreaterThan(71 * 3_600_000);
    expect(await gilt.logHead()).toBe(head);
    expect((await getVersion('lineage-base', 'v1')).status).toBe('ACTIVE');
  });

  it('revokes descendants in other buckets as INHERITED from the root, and rolls their channels back', async () => {
    const r = await revoke('lineage-base', 'v1', { reason: 'CVE-2026-0002' });
    expect(r.status).toBe(200);
    expect(r.body.cascade).toMatchObject({ total: 1, pending: 0 });
    const child = await getVersion('payments', 'v1');
    expect(child).toMatchObject({
      status: 'REVOKED',
      revocation_type: 'INHERITED',
      revocation_message: 'CVE-2026-0002',
      revocation_author: 'contributor-user',
      revocation_inherited_from: { bucket: 'lineage-base', version_id: base.id, version_name: 'v1' },
    });
    expect(await channelVersion('payments', 'prod')).toBeNull();
    const status = await gilt.request('GET', `/v1/revocations/${base.id}`, { role: 'viewer' });
    expect(status.body.cascade).toMatchObject({ total: 1, done: 1, pending: 0, channels_pending: [], complete: true });
    expect((await revokedCounts()).get(app.id)).toBe(1);
  });

  it('restores the root alone, then its descendants when asked, without moving channels back', async () => {
    const alone = await gilt.request('POST', '/v1/buckets/lineage-base/versions/v1/restore', { role: 'contributor', body: { reason: 'false alarm' } });
    expect(alone.status).toBe(200);
    expect(alone.body.restored.map((v: any) => v.id)).toEqual([base.id]);
    expect((await getVersion('lineage-base', 'v1')).status).toBe('ACTIVE');
    expect((await getVersion('payments', 'v1')).status).toBe('REVOKED');
    const withDescendants = await gilt.request('POST', '/v1/buckets/lineage-base/versions/v1/restore', { role: 'contributor', body: { descendants: true } });
    expect(withDescendants.status).toBe(200);
    expect(withDescendants.body.restored.map((v: any) => v.id)).toEqual([app.id]);
    expect(withDescendants.body.rolled_back_channels).toEqual([
      expect.objectContaining({ bucket: 'payments', channel: 'prod', rolled_back_from: expect.objectContaining({ id: app.id }), now: null, moved_back: false }),
    ]);
    expect(withDescendants.body.message).toMatch(/not moved back: payments:prod \(now empty\)/);
    expect((await getVersion('payments', 'v1')).status).toBe('ACTIVE');
    expect(await channelVersion('payments', 'prod')).toBeNull();
    const log = await events();
    expect(log.find(({ event }) => event.type === 'VersionRestored' && event.version_id === app.id)!.event).toMatchObject({ restored_with: { version_id: base.id } });
    expect((await gilt.request('POST', '/v1/buckets/lineage-base/versions/v1/restore', { role: 'contributor', body: {} })).status).toBe(409);
  });

  it('skip_descendants revokes the version alone', async () => {
    await version('sk-base', 'sk1', [{ artifact: 'sk1' }]);
    await version('sk-app', 'ska1', [{ artifact: 'ska1', source: 'sk1' }]);
    const r = await revoke('sk-base', 'v1', { reason: 'only this', skip_descendants: true });
    expect(r.body.affected_versions.map((a: any) => a.bucket)).toEqual(['sk-base']);
    expect((await getVersion('sk-base', 'v1')).status).toBe('REVOKED');
    expect((await getVersion('sk-app', 'v1')).status).toBe('ACTIVE');
  });

  it('revokes every version of a diamond once, the bottom inheriting from the root', async () => {
    const top = await version('dm-top', 'top', [{ artifact: 'dm-top' }]);
    const left = await version('dm-left', 'left', [{ artifact: 'dm-left', source: 'dm-top' }]);
    const right = await version('dm-right', 'right', [{ artifact: 'dm-right', source: 'dm-top' }]);
    const bottom = await version('dm-bottom', 'bottom', [
      { artifact: 'dm-bottom-a', source: 'dm-left' },
      { artifact: 'dm-bottom-b', source: 'dm-right' },
    ]);
    const below = await version('dm-below', 'below', [{ artifact: 'dm-below', source: 'dm-bottom-b' }]);
    const r = await revoke('dm-top', 'v1', { reason: 'diamond' });
    expect(r.body.affected_versions.map((a: any) => [a.bucket, a.depth])).toEqual([
      ['dm-top', 0],
      ['dm-left', 1],
      ['dm-right', 1],
      ['dm-bottom', 2],
      ['dm-below', 3],
    ]);
    const counts = await revokedCounts();
    for (const v of [top, left, right, bottom, below]) expect(counts.get(v.id)).toBe(1);
    expect(await getVersion('dm-bottom', 'v1')).toMatchObject({ status: 'REVOKED', revocation_type: 'INHERITED', revocation_inherited_from: { version_id: top.id } });
  });
});

// ---- crash halfway ---------------------------------------------------------------------------

describe('a cascade interrupted by kill -9', () => {
  it('finishes on restart, every descendant revoked exactly once and every channel rolled back', async () => {
    // 1 root, 30 children, 2,970 grandchildren: written straight to the log, so it takes a second.
    const seeder = new LogSeeder(store);
    await seeder.buckets(['kill-root', 'kill-l1', 'kill-l2']);
    const root: SeedVersion = { bucket: 'kill-root', id: ulid(), name: 'v1', artifact: 'kill-root', source: null };
    const l1 = Array.from({ length: 30 }, (_, i): SeedVersion => ({ bucket: 'kill-l1', id: ulid(), name: `v${i + 1}`, artifact: `ami-kill-l1-${i}`, source: root.artifact }));
    const safe: SeedVersion = { bucket: 'kill-l2', id: ulid(), name: 'v1', artifact: 'kill-safe', source: null };
    const l2 = Array.from({ length: 2970 }, (_, i): SeedVersion => ({ bucket: 'kill-l2', id: ulid(), name: `v${i + 2}`, artifact: `ami-kill-l2-${i}`, source: l1[i % 30]!.artifact }));
    await seeder.versions([root, ...l1, safe, ...l2]);
    const channels = Array.from({ length: 10 }, (_, i) => `ch${i}`);
    for (const [i, c] of channels.entries()) await seeder.channel('kill-l2', c, [safe.id, l2[l2.length - 1 - i * 100]!.id]);
    const descendants = [...l1, ...l2];
    await until('the gateway to see the seeded tree', async () => (await gilt.request('GET', `/v1/buckets/kill-l2/versions/v${l2.length + 1}`, { role: 'viewer' })).status === 200);

    // Kill the revocation service once it has answered and the log shows the cascade under way.
    let seen = 0;
    let answered = false;
    let killed: Promise<void> | undefined;
    const killWhenUnderWay = () => {
      if (answered && seen >= 100) killed ??= gilt.stopService('revocation', 'SIGKILL');
    };
    const watch = await store.subscribe((await store.head()) + 1, (c) => {
      for (const e of c.events) if (e.type === 'VersionRevoked' && e.revocation_type === 'INHERITED') seen++;
      killWhenUnderWay();
    });
    const answer = await revoke('kill-root', 'v1', { reason: 'crash test' });
    answered = true;
    killWhenUnderWay();
    // Above 2,000 versions the answer comes once the root is revoked; the rest follows in the background.
    expect(answer.status).toBe(202);
    expect(answer.body.cascade).toMatchObject({ total: 3000, pending: 3000 });
    await until('the kill', async () => killed !== undefined);
    await killed;
    await watch.stop();
    const atKill = await revokedCounts();
    const revokedAtKill = descendants.filter((d) => atKill.has(d.id)).length;
    expect(revokedAtKill).toBeGreaterThanOrEqual(100);
    expect(revokedAtKill).toBeLessThan(descendants.length);

    await gilt.startService('revocation');
    await until(
      'the cascade to finish after the restart',
      async () => (await gilt.request('GET', `/v1/revocations/${root.id}`, { role: 'viewer' })).body.cascade.complete,
      60_000,
    );
    const counts = await revokedCounts();
    expect(counts.get(root.id)).toBe(1);
    const notOnce = descendants.filter((d) => counts.get(d.id) !== 1);
    expect(notOnce).toEqual([]);
    for (const c of channels) expect(await channelVersion('kill-l2', c)).toBe('v1');
    const rollbacks = (await events()).filter(({ event }) => event.type === 'ChannelRolledBack' && event.bucket === 'kill-l2');
    expect(rollbacks).toHaveLength(channels.length);
  }, 120_000);
});

// ---- scheduled ------------------------------------------------------------------------------

describe('scheduled revocations', () => {
  const jobKey = (id: string) => `bull:gilt-revocations:revoke-${id}`;

  it('survive a Redis flush and a restart of the service before they come due', async () => {
    await version('sc-base', 'sc1', [{ artifact: 'sc1' }]);
    const v2 = await version('sc-base', 'sc2', [{ artifact: 'sc2' }]);
    const child = await version('sc-app', 'sca1', [{ artifact: 'sca1', source: 'sc2' }]);
    await assign('sc-base', 'prod', 'v1', 'v2');
    const r = await revoke('sc-base', 'v2', { reason: 'planned retirement', revoke_in: '6s' });
    expect(r.status).toBe(200);
    expect(r.body.revocation).toMatchObject({ status: 'REVOCATION_SCHEDULED', type: 'MANUAL' });
    const revokeAt = Date.parse(r.body.revocation.revoke_at);
    expect(await getVersion('sc-app', 'v1')).toMatchObject({ status: 'REVOCATION_SCHEDULED', revocation_type: 'INHERITED', revoke_at: r.body.revocation.revoke_at });
    expect(await redis.exists(jobKey(v2.id))).toBe(1);

    await redis.flushall();
    expect(await redis.exists(jobKey(v2.id))).toBe(0);
    await gilt.stopService('revocation', 'SIGKILL');
    await gilt.startService('revocation');
    await until('the job to be rebuilt from the log', async () => (await redis.exists(jobKey(v2.id))) === 1, 5000);
    expect(Date.now()).toBeLessThan(revokeAt);

    await until('the scheduled revocation to take effect', async () => (await channelVersion('sc-base', 'prod')) === 'v1', 20_000);
    const log = await events();
    const revoked = log.filter(({ event }) => event.type === 'VersionRevoked' && [v2.id, child.id].includes(event.version_id));
    expect(revoked.map(({ event }) => (event as any).revocation_type).sort()).toEqual(['INHERITED', 'MANUAL']);
    expect(revoked.find(({ event }) => event.version_id === v2.id)!.commit.meta.actor).toBe('contributor-user');
    expect(await getVersion('sc-app', 'v1')).toMatchObject({ status: 'REVOKED', revocation_type: 'INHERITED' });
  }, 60_000);

  it('count as revoked in every read once their time has passed, even before the job runs', async () => {
    await version('pa-app', 'pa1', [{ artifact: 'pa1' }]);
    const v2 = await version('pa-app', 'pa2', [{ artifact: 'pa2' }]);
    await assign('pa-app', 'prod', 'v1', 'v2');
    const r = await revoke('pa-app', 'v2', { reason: 'soon', revoke_in: '3s' });
    const revokeAt = Date.parse(r.body.revocation.revoke_at);
    await gilt.stopService('revocation');
    await sleepUntil(revokeAt + 300);
    expect((await revokedCounts()).get(v2.id)).toBeUndefined();
    expect((await getVersion('pa-app', 'v2')).status).toBe('REVOKED');
    const resolve = await gilt.request('GET', '/v1/buckets/pa-app/channels/prod/artifact?platform=aws&region=us-east-1', { role: 'viewer' });
    expect(resolve.status).toBe(200);
    expect(resolve.body).toMatchObject({ external_id: ami('pa2'), revoked: true, status: 'REVOKED' });
    const latest = await gilt.request('GET', '/v1/buckets/pa-app/channels/latest/artifact?platform=aws&region=us-east-1', { role: 'viewer' });
    expect(latest.body).toMatchObject({ external_id: ami('pa1'), revoked: false });
    // Back up: the overdue revocation is carried out at once, with its rollback.
    await gilt.startService('revocation');
    await until('the overdue revocation to be written', async () => (await channelVersion('pa-app', 'prod')) === 'v1');
    expect((await revokedCounts()).get(v2.id)).toBe(1);
  }, 60_000);

  it('can be moved, and cancelled with what the descendants inherited', async () => {
    const v1 = await version('cx-base', 'cx1', [{ artifact: 'cx1' }]);
    await version('cx-app', 'cxa1', [{ artifact: 'cxa1', source: 'cx1' }]);
    await revoke('cx-base', 'v1', { reason: 'later', revoke_in: '2h' });
    const moved = await revoke('cx-base', 'v1', { reason: 'later still', revoke_at: '2099-01-01T00:00:00Z' });
    expect(moved.body.message).toMatch(/^rescheduled/);
    expect((await getVersion('cx-app', 'v1')).revoke_at).toBe('2099-01-01T00:00:00.000Z');
    const job = JSON.parse((await redis.hget(`bull:gilt-revocations:revoke-${v1.id}`, 'data'))!);
    expect(job.revoke_at).toBe('2099-01-01T00:00:00.000Z');
    const c = await gilt.request('POST', '/v1/buckets/cx-base/versions/v1/revoke/cancel', { role: 'contributor', body: { reason: 'patched' } });
    expect(c.status).toBe(200);
    expect(c.body.version).toMatchObject({ status: 'ACTIVE', revoke_at: null });
    expect((await getVersion('cx-app', 'v1')).status).toBe('ACTIVE');
    expect(await redis.exists(`bull:gilt-revocations:revoke-${v1.id}`)).toBe(0);
    const again = await gilt.request('POST', '/v1/buckets/cx-base/versions/v1/revoke/cancel', { role: 'contributor', body: {} });
    expect(again.status).toBe(409);
    expect(again.body.message).toMatch(/no revocation is scheduled/);
  });
});

// ---- the CLI against a running Gilt ---------------------------------------------------------------

describe('gilt revoke / restore', () => {
  it('dry-runs, schedules, cancels, revokes and restores', async () => {
    await version('cli-base', 'cl1', [{ artifact: 'cl1' }]);
    await version('cli-base', 'cl2', [{ artifact: 'cl2' }]);
    await version('cli-app', 'cla1', [{ artifact: 'cla1', source: 'cl2' }]);
    await assign('cli-base', 'prod', 'v1', 'v2');
    await assign('cli-app', 'prod', 'v1');
    const env = gilt.env('contributor');

    const head = await gilt.logHead();
    const dry = await runCli(['revoke', 'cli-base:v2', '--reason', 'CVE-2026-0003', '--dry-run'], env);
    expect(dry.stderr).toBe('');
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/^dry run \(nothing was written\): would revoke cli-base:v2\n/);
    expect(dry.stdout).toContain('  cli-base:v2  MANUAL\n  └─ cli-app:v1  INHERITED\n');
    expect(dry.stdout).toMatch(/cli-base:prod +v2 -> v1\n/);
    expect(dry.stdout).toMatch(/cli-app:prod +v1 -> \(empty\) +\(no earlier valid version: the channel is left EMPTY\)/);
    expect(await gilt.logHead()).toBe(head);

    const later = await runCli(['revoke', 'cli-base:v2', '--reason', 'CVE-2026-0003', '--in', '72h'], env);
    expect(later.code).toBe(0);
    expect(later.stdout).toMatch(/^revocation of cli-base:v2 scheduled for \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ\n/);
    expect((await getVersion('cli-base', 'v2')).status).toBe('REVOCATION_SCHEDULED');
    const cancel = await runCli(['revoke', 'cancel', 'cli-base:v2'], env);
    expect(cancel.code).toBe(0);
    expect(cancel.stdout).toBe('scheduled revocation cancelled: cli-base:v2\n');
    expect((await getVersion('cli-app', 'v1')).status).toBe('ACTIVE');

    const now = await runCli(['revoke', 'cli-base:v2', '--reason', 'CVE-2026-0003'], env);
    expect(now.code).toBe(0);
    expect(now.stdout).toMatch(/^revoked cli-base:v2 \(/);
    expect(now.stdout).toMatch(/cli-app:prod +v1 -> \(empty\)/);
    expect(await channelVersion('cli-base', 'prod')).toBe('v1');
    const refused = await runCli(['revoke', 'cli-base:v2', '--reason', 'again'], env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/already revoked/);

    const restore = await runCli(['restore', 'cli-base:v2', '--descendants', '--reason', 'patched in place'], env);
    expect(restore.code).toBe(0);
    expect(restore.stdout).toContain('restored cli-base:v2, cli-app:v1\n');
    expect(restore.stdout).toContain('  cli-base:prod  now v1  (to move it back: gilt channels set cli-base:prod v2)\n');
    expect((await getVersion('cli-app', 'v1')).status).toBe('ACTIVE');
    expect(await channelVersion('cli-base', 'prod')).toBe('v1');
  }, 60_000);
});
