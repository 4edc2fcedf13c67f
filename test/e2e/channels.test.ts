import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startGilt, type GiltStack } from '@gilt/testing';
import { amazonArtifacts, fixtureJson } from './fixtures.js';

let gilt: GiltStack;
const manifest = fixtureJson('manifests-cloud', 'amazon-ebs.json');

beforeAll(async () => {
  gilt = await startGilt();
  for (const fp of ['r1', 'r2', 'r3']) {
    const r = await gilt.request('POST', '/v1/buckets/app/publish', { role: 'contributor', body: { manifest, fingerprint: fp } });
    expect(r.status).toBe(201);
  }
});
afterAll(async () => {
  await gilt?.stop();
});

const assign = (channel: string, version: string, opts: { role?: 'admin' | 'contributor' | 'viewer'; reason?: string; create?: boolean } = {}) =>
  gilt.request('PUT', `/v1/buckets/app/channels/${channel}`, { role: opts.role ?? 'contributor', body: { version, reason: opts.reason, create: opts.create ?? true } });

describe('channels', () => {
  it('assigns by id, fingerprint or name, records actor and reason, and keeps history', async () => {
    const v1 = (await gilt.request('GET', '/v1/buckets/app/versions/v1')).body.version;
    expect((await assign('dev', v1.id, { reason: 'first' })).status).toBe(200);
    expect((await assign('dev', 'r2')).body.channel.version.name).toBe('v2');
    expect((await assign('dev', 'v3', { reason: 'newest' })).body.channel.version.name).toBe('v3');
    const h = await gilt.request('GET', '/v1/buckets/app/channels/dev/history?page_size=2', { role: 'viewer' });
    expect(h.body.history).toHaveLength(2);
    expect(h.body.history[0]).toMatchObject({ action: 'assigned', actor: 'contributor-user', reason: 'newest', version: { name: 'v3' }, previous_version: { name: 'v2' } });
    const rest = await gilt.request('GET', `/v1/buckets/app/channels/dev/history?page_token=${h.body.pagination.next_page_token}`, { role: 'viewer' });
    expect(rest.body.history.map((e: any) => e.action)).toEqual(['assigned', 'created']);
    expect(rest.body.history[0]).toMatchObject({ reason: 'first', version: { name: 'v1' }, previous_version: null });
  });

  it('manages latest: it follows completions and refuses hand assignment and deletion', async () => {
    const latest = await gilt.request('GET', '/v1/buckets/app/channels/latest', { role: 'viewer' });
    expect(latest.body.channel).toMatchObject({ managed: true, version: { name: 'v3' } });
    expect((await assign('latest', 'v1')).status).toBe(409);
    expect((await gilt.request('DELETE', '/v1/buckets/app/channels/latest', { role: 'admin' })).status).toBe(409);
    const history = await gilt.request('GET', '/v1/buckets/app/channels/latest/history', { role: 'viewer' });
    expect(history.body.history.map((e: any) => e.version?.name)).toEqual(['v3', 'v2', 'v1']);
  });

  it('assigns only complete versions', async () => {
    await gilt.request('POST', '/v1/buckets/app/versions', { role: 'contributor', body: { fingerprint: 'incomplete' } });
    const r = await assign('dev', 'incomplete');
    expect(r.status).toBe(409);
    expect(r.body.message).toMatch(/not complete/);
    expect((await assign('dev', 'v99')).status).toBe(404);
  });

  it('restricts channels: only admins assign, viewers do not see them', async () => {
    await assign('prod', 'v1');
    expect((await gilt.request('PATCH', '/v1/buckets/app/channels/prod', { role: 'contributor', body: { restricted: true } })).status).toBe(403);
    expect((await gilt.request('PATCH', '/v1/buckets/app/channels/prod', { role: 'admin', body: { restricted: true } })).status).toBe(200);
    const denied = await assign('prod', 'v2', { role: 'contributor' });
    expect(denied.status).toBe(403);
    expect(denied.body.message).toMatch(/restricted/);
    expect((await gilt.request('GET', '/v1/buckets/app/channels/prod', { role: 'viewer' })).status).toBe(404);
    expect((await gilt.request('GET', '/v1/buckets/app/channels', { role: 'viewer' })).body.channels.map((c: any) => c.name)).not.toContain('prod');
    expect((await assign('prod', 'v2', { role: 'admin' })).status).toBe(200);
    await gilt.request('PATCH', '/v1/buckets/app/channels/prod', { role: 'admin', body: { restricted: false } });
  });

  it('promotes one channel onto another', async () => {
    await assign('staging', 'v3');
    const p = await gilt.request('POST', '/v1/buckets/app/channels/promote', { role: 'contributor', body: { from: 'staging', to: 'prod', reason: 'release' } });
    expect(p.status).toBe(200);
    expect(p.body.channel.version.name).toBe('v3');
    const h = await gilt.request('GET', '/v1/buckets/app/channels/prod/history', { role: 'viewer' });
    expect(h.body.history[0]).toMatchObject({ promoted_from: 'staging', reason: 'release', previous_version: { name: 'v2' } });
  });

  it('rolls back to the previous valid assignment, then to a given one, then to explicitly empty', async () => {
    await assign('rb', 'v1');
    await assign('rb', 'v2');
    await assign('rb', 'v3');
    await gilt.request('PUT', '/v1/buckets/app/channels/dev', { role: 'contributor', body: { version: 'v3' } });
    const back = await gilt.request('POST', '/v1/buckets/app/channels/rb/rollback', { role: 'contributor', body: { reason: 'bad deploy' } });
    expect(back.body).toMatchObject({ empty: false, channel: { version: { name: 'v2' } } });
    // v1 was deleted meanwhile: the next rollback skips it and leaves the channel empty, and says so.
    await gilt.request('PUT', '/v1/buckets/app/channels/dev', { role: 'contributor', body: { version: 'v3' } });
    await gilt.request('PUT', '/v1/buckets/app/channels/prod', { role: 'admin', body: { version: 'v3' } });
    expect((await gilt.request('DELETE', '/v1/buckets/app/versions/v1', { role: 'contributor' })).status).toBe(200);
    const empty = await gilt.request('POST', '/v1/buckets/app/channels/rb/rollback', { role: 'contributor', body: {} });
    expect(empty.body.empty).toBe(true);
    expect(empty.body.message).toMatch(/empty/);
    const resolve = await gilt.request('GET', '/v1/buckets/app/channels/rb/artifact?platform=aws&region=us-east-1', { role: 'viewer' });
    expect(resolve.status).toBe(404);
    expect(resolve.body.details.empty).toBe(true);
    const to = await gilt.request('POST', '/v1/buckets/app/channels/rb/rollback', { role: 'contributor', body: { to_version: 'v3' } });
    expect(to.body.channel.version.name).toBe('v3');
  });

  it('refuses to delete a version a channel points at, naming the channels', async () => {
    const r = await gilt.request('DELETE', '/v1/buckets/app/versions/v3', { role: 'contributor' });
    expect(r.status).toBe(409);
    expect(r.body.details.channels.sort()).toEqual(['dev', 'prod', 'rb', 'staging']);
  });

  it('resolves a channel to an artifact with ETag support', async () => {
    const build = manifest.builds[0];
    const wanted = amazonArtifacts(build.artifact_id).at(-1)!;
    const url = `/v1/buckets/app/channels/prod/artifact?platform=aws&region=${wanted.region}`;
    const r = await gilt.request('GET', url, { role: 'viewer' });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ ...wanted, version: { name: 'v3' }, build: { name: build.name }, revoked: false, revoke_at: null });
    expect(r.body.labels.os).toBe(build.custom_data.os);
    const etag = r.headers.get('etag')!;
    const again = await gilt.request('GET', url, { role: 'viewer', headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
    const missing = await gilt.request('GET', '/v1/buckets/app/channels/prod/artifact?platform=gce', { role: 'viewer' });
    expect(missing.status).toBe(404);
    expect(missing.body.details.available).toEqual(amazonArtifacts(build.artifact_id).map((a) => `aws/${a.region} (${build.name})`));
  });

  it('applies 50 concurrent assigns to one channel with a consistent history and no lost update', async () => {
    await assign('race', 'v2');
    const before = (await gilt.request('GET', '/v1/buckets/app/channels/race/history?page_size=500')).body.history.length;
    const targets = Array.from({ length: 50 }, (_, i) => (i % 2 === 0 ? 'v3' : 'v2'));
    const results = await Promise.all(
      targets.map((v, i) =>
        gilt.request('PUT', '/v1/buckets/app/channels/race', { role: 'contributor', body: { version: v, reason: `writer ${i}` }, headers: { 'idempotency-key': `race-writer-${i}` } }),
      ),
    );
    for (const r of results) expect([200, 409]).toContain(r.status);
    const applied = results.filter((r) => r.status === 200 && r.body.changed);
    const history = (await gilt.request('GET', '/v1/buckets/app/channels/race/history?page_size=500')).body.history.reverse();
    const added = history.slice(before);
    // Every applied write is in the history exactly once, and each entry's "previous" is the entry before it.
    expect(added).toHaveLength(applied.length);
    expect(new Set(added.map((h: any) => h.reason)).size).toBe(added.length);
    for (let i = 1; i < history.length; i++) {
      if (history[i].action === 'assigned') expect(history[i].previous_version?.id ?? null).toBe(history[i - 1].version?.id ?? null);
    }
    const final = (await gilt.request('GET', '/v1/buckets/app/channels/race')).body.channel.version.name;
    expect(final).toBe(history[history.length - 1].version.name);
  });

  it('compare-and-set assignment refuses a stale expectation', async () => {
    const current = (await gilt.request('GET', '/v1/buckets/app/channels/race')).body.channel.version.id;
    const v2 = (await gilt.request('GET', '/v1/buckets/app/versions/v2')).body.version.id;
    const stale = await gilt.request('PUT', '/v1/buckets/app/channels/race', { role: 'contributor', body: { version: 'v3', expected_current: current === v2 ? 'someone-else' : v2 } });
    expect(stale.status).toBe(409);
  });

  it('unassigns and deletes user channels', async () => {
    const u = await gilt.request('POST', '/v1/buckets/app/channels/staging/unassign', { role: 'contributor', body: { reason: 'retired' } });
    expect(u.body.channel.version).toBeNull();
    expect((await gilt.request('DELETE', '/v1/buckets/app/channels/staging', { role: 'contributor' })).status).toBe(200);
    expect((await gilt.request('GET', '/v1/buckets/app/channels/staging')).status).toBe(404);
  });
});
