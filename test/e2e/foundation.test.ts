import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startGilt, type GiltStack } from '@gilt/testing';
import { amazonArtifacts, fixtureJson, fixturePath, readFixture } from './fixtures.js';

let gilt: GiltStack;

beforeAll(async () => {
  gilt = await startGilt();
});
afterAll(async () => {
  await gilt?.stop();
});

const publish = (bucket: string, body: Record<string, unknown>, role: 'admin' | 'contributor' | 'viewer' = 'contributor') =>
  gilt.request('POST', `/v1/buckets/${bucket}/publish`, { role, body });

describe('auth', () => {
  it('answers 401 without a token and with an unknown one', async () => {
    const none = await gilt.request('GET', '/v1/buckets', { role: null });
    expect(none.status).toBe(401);
    expect(none.body).toMatchObject({ code: 'UNAUTHENTICATED' });
    const bad = await gilt.request('GET', '/v1/buckets', { role: null, headers: { authorization: 'Bearer not-a-token' } });
    expect(bad.status).toBe(401);
  });

  it('lets a viewer read but not write, and writes nothing for it', async () => {
    const before = await gilt.logHead();
    expect((await gilt.request('GET', '/v1/buckets', { role: 'viewer' })).status).toBe(200);
    const w = await gilt.request('POST', '/v1/buckets', { role: 'viewer', body: { name: 'viewer-bucket' } });
    expect(w.status).toBe(403);
    expect(w.body.code).toBe('FORBIDDEN');
    expect(await gilt.logHead()).toBe(before);
  });

  it('serves health and the OpenAPI document without a token', async () => {
    const h = await gilt.request('GET', '/healthz', { role: null });
    expect(h.status).toBe(200);
    expect(h.body).toMatchObject({ ok: true, nats: { ok: true }, redis: { ok: true } });
    const doc = await gilt.request('GET', '/v1/openapi.json', { role: null });
    expect(doc.status).toBe(200);
    expect(doc.body.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.body.paths)).toEqual(expect.arrayContaining(['/v1/buckets', '/v1/buckets/{bucket}/publish', '/v1/artifacts']));
  });
});

describe('buckets, versions and builds over HTTP', () => {
  it('creates, reads, updates and refuses a duplicate bucket', async () => {
    const c = await gilt.request('POST', '/v1/buckets', { role: 'contributor', body: { name: 'ubuntu-base', description: 'base', labels: { team: 'platform' } } });
    expect(c.status).toBe(201);
    expect(c.body.bucket).toMatchObject({ name: 'ubuntu-base', labels: { team: 'platform' }, version_count: 0 });
    const dup = await gilt.request('POST', '/v1/buckets', { role: 'contributor', body: { name: 'ubuntu-base' } });
    expect(dup.status).toBe(409);
    expect(dup.body.code).toBe('ALREADY_EXISTS');
    const u = await gilt.request('PATCH', '/v1/buckets/ubuntu-base', { role: 'contributor', body: { description: 'Ubuntu 22.04 base' } });
    expect(u.status).toBe(200);
    expect((await gilt.request('GET', '/v1/buckets/ubuntu-base', { role: 'viewer' })).body.bucket.description).toBe('Ubuntu 22.04 base');
    expect((await gilt.request('GET', '/v1/buckets/nope-bucket', { role: 'viewer' })).status).toBe(404);
  });

  it('builds a version build by build, completes it and names it v1', async () => {
    const s = await gilt.request('POST', '/v1/buckets/ubuntu-base/versions', { role: 'contributor', body: { fingerprint: 'git-abc123' } });
    expect(s.status).toBe(201);
    expect(s.body.version).toMatchObject({ fingerprint: 'git-abc123', name: 'v0', status: 'RUNNING' });
    const again = await gilt.request('POST', '/v1/buckets/ubuntu-base/versions', { role: 'contributor', body: { fingerprint: 'git-abc123' } });
    expect(again.body.changed).toBe(false);
    const b = await gilt.request('POST', '/v1/buckets/ubuntu-base/versions/git-abc123/builds', {
      role: 'contributor',
      body: { builds: [{ name: 'amazon-ebs.ubuntu', builder_type: 'amazon-ebs', status: 'DONE', platform: 'aws', artifacts: [{ external_id: 'ami-0aaa', region: 'us-east-1' }] }] },
    });
    expect(b.status).toBe(201);
    const done = await gilt.request('POST', '/v1/buckets/ubuntu-base/versions/git-abc123/complete', { role: 'contributor' });
    expect(done.status).toBe(200);
    expect(done.body.version).toMatchObject({ name: 'v1', status: 'ACTIVE' });
    const byName = await gilt.request('GET', '/v1/buckets/ubuntu-base/versions/v1', { role: 'viewer' });
    expect(byName.body.version.fingerprint).toBe('git-abc123');
    const builds = await gilt.request('GET', `/v1/buckets/ubuntu-base/versions/v1/builds`, { role: 'viewer' });
    const buildId = builds.body.builds[0].id;
    const one = await gilt.request('GET', `/v1/buckets/ubuntu-base/versions/v1/builds/${buildId}`, { role: 'viewer' });
    expect(one.body.build.artifacts).toEqual([{ external_id: 'ami-0aaa', region: 'us-east-1' }]);
  });

  it('publishes every cloud manifest with one artifact per region, and finds them by external id', async () => {
    for (const file of ['amazon-ebs.json', 'azure-arm.json', 'googlecompute.json', 'docker.json', 'vsphere.json', 'multi-cloud.json']) {
      const r = await publish('cloud-images', { manifest: fixtureJson('manifests-cloud', file) });
      expect(r.status).toBe(201);
      expect(r.body.version.status).toBe('ACTIVE');
    }
    const rows = readFixture('manifests-cloud', 'expected-artifacts.tsv').toString().trim().split('\n').slice(1).map((l) => l.split('\t'));
    for (const [, build, , region, externalId] of rows) {
      if (['lineage-app.json', 'lineage-base.json'].includes(rows.find((r) => r[4] === externalId)![0]!)) continue;
      const s = await gilt.request('GET', `/v1/artifacts?external_id=${encodeURIComponent(externalId!)}`, { role: 'viewer' });
      expect(s.status).toBe(200);
      expect(s.body.artifacts).toHaveLength(1);
      expect(s.body.artifacts[0]).toMatchObject({ external_id: externalId, region: region === '-' ? '' : region, build: { name: build } });
    }
    const last = amazonArtifacts(fixtureJson('manifests-cloud', 'amazon-ebs.json').builds[0].artifact_id).at(-1)!;
    const hcp = await gilt.request('POST', '/v1/_search/external_artifact', { role: 'viewer', body: { external_identifier: last.external_id, region: last.region } });
    expect(hcp.body.artifacts[0].version.name).toBe('v1');
  });

  it('lists versions newest first with token pagination and a status filter', async () => {
    for (const fp of ['p1', 'p2', 'p3']) {
      await publish('paged', { manifest: fixtureJson('manifests-cloud', 'amazon-ebs.json'), fingerprint: fp });
    }
    await publish('paged', { manifest: fixtureJson('manifests-cloud', 'amazon-ebs.json'), fingerprint: 'p4', expected_builds: ['amazon-ebs.ubuntu', 'azure-arm.ubuntu'] });
    const first = await gilt.request('GET', '/v1/buckets/paged/versions?page_size=2', { role: 'viewer' });
    expect(first.body.versions.map((v: any) => v.fingerprint)).toEqual(['p4', 'p3']);
    const second = await gilt.request('GET', `/v1/buckets/paged/versions?page_size=2&page_token=${first.body.pagination.next_page_token}`, { role: 'viewer' });
    expect(second.body.versions.map((v: any) => v.fingerprint)).toEqual(['p2', 'p1']);
    expect(second.body.pagination.next_page_token).toBeNull();
    const p4Builds = await gilt.request('GET', '/v1/buckets/paged/versions/p4/builds?status=FAILED&page_size=1', { role: 'viewer' });
    expect(p4Builds.body.builds.map((b: any) => b.name)).toEqual(['azure-arm.ubuntu']);
    expect(p4Builds.body.pagination).toEqual({ next_page_token: null, total: 1 });
    const failed = await gilt.request('GET', '/v1/buckets/paged/versions?status=FAILED', { role: 'viewer' });
    expect(failed.body.versions.map((v: any) => v.fingerprint)).toEqual(['p4']);
    const p4 = failed.body.versions[0];
    expect(p4.builds.find((b: any) => b.name === 'azure-arm.ubuntu')).toMatchObject({ status: 'FAILED' });
    expect((await gilt.request('GET', '/v1/buckets/paged/versions?status=BOGUS', { role: 'viewer' })).status).toBe(400);
    expect((await gilt.request('GET', '/v1/buckets/paged/versions?page_token=%%%', { role: 'viewer' })).status).toBe(400);
  });

  it('says so when the same fingerprint is published again, and writes nothing', async () => {
    const manifest = fixtureJson('manifests-cloud', 'multi-cloud.json');
    const first = await publish('repeat', { manifest });
    expect(first.status).toBe(201);
    const head = await gilt.logHead();
    const again = await publish('repeat', { manifest });
    expect(again.status).toBe(200);
    expect(again.body.changed).toBe(false);
    expect(again.body.message).toMatch(/nothing changed/);
    expect(await gilt.logHead()).toBe(head);
  });

  it('writes a retried request (same Idempotency-Key) once', async () => {
    const headers = { 'idempotency-key': 'retry-key-0001' };
    const a = await gilt.request('POST', '/v1/buckets', { role: 'contributor', body: { name: 'retried' }, headers });
    expect(a.status).toBe(201);
    const head = await gilt.logHead();
    const b = await gilt.request('POST', '/v1/buckets', { role: 'contributor', body: { name: 'retried' }, headers });
    expect(b.status).toBe(201);
    expect(b.body.message).toMatch(/already applied/);
    expect(await gilt.logHead()).toBe(head);
  });
});

describe('bad input', () => {
  const cases = readFixture('bad-input', 'cases.tsv').toString().trim().split('\n').slice(1).map((l) => l.split('\t')[0]!);

  it.each(cases.filter((c) => c !== 'huge-custom-data.json'))('refuses %s with a 4xx naming the problem, writing nothing', async (file) => {
    const raw = readFixture('bad-input', file);
    const before = await gilt.logHead();
    // The manifest is embedded byte for byte, so invalid JSON or UTF-8 stays invalid in the body.
    const body = Buffer.concat([Buffer.from('{"manifest":'), raw.length ? raw : Buffer.from(''), Buffer.from('}')]);
    const r = await gilt.request('POST', '/v1/buckets/bad-input/publish', { role: 'contributor', rawBody: body });
    expect(r.status).toBeGreaterThanOrEqual(400);
    expect(r.status).toBeLessThan(500);
    expect(r.body.code).toBe('VALIDATION_FAILED');
    expect(r.body.message.length).toBeGreaterThan(10);
    expect(typeof r.body.details.field).toBe('string');
    expect(await gilt.logHead()).toBe(before);
    expect((await gilt.request('GET', '/v1/buckets/bad-input', { role: 'viewer' })).status).toBe(404);
  });

  it('names the field for the build-level cases', async () => {
    const r = await publish('bad-input', { manifest: fixtureJson('bad-input', 'name-spaces.json') });
    expect(r.body.details.field).toBe('builds[1].name');
    expect(r.body.message).toContain(fixtureJson('bad-input', 'name-spaces.json').builds[1].name);
  });

  it('refuses the 2 MiB manifest as too large, writing nothing', async () => {
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'gilt-huge-')), 'huge.json');
    execFileSync('sh', [fixturePath('bad-input', 'make-huge-custom-data.sh'), out]);
    const before = await gilt.logHead();
    const r = await gilt.request('POST', '/v1/buckets/bad-input/publish', { role: 'contributor', rawBody: Buffer.concat([Buffer.from('{"manifest":'), fs.readFileSync(out), Buffer.from('}')]) });
    expect(r.status).toBe(413);
    expect(r.body.code).toBe('PAYLOAD_TOO_LARGE');
    expect(await gilt.logHead()).toBe(before);
  });

  it('refuses hostile names, unknown fields and wrong types', async () => {
    const before = await gilt.logHead();
    for (const body of [{ name: '../etc' }, { name: 'a.b.c' }, { name: 'ab' }, { name: 'ok-name', labels: { a: 1 } }, { name: 'ok-name', extra: true }, { name: 42 }]) {
      const r = await gilt.request('POST', '/v1/buckets', { role: 'contributor', body });
      expect(r.status).toBe(400);
      expect(r.body.details.field).toBeDefined();
    }
    expect((await gilt.request('GET', '/v1/buckets/x%2E%2E/versions', { role: 'viewer' })).status).toBe(404);
    expect(await gilt.logHead()).toBe(before);
  });
});

describe('restart', () => {
  it('rebuilds every projection from the log when services start again', async () => {
    const before = await gilt.request('GET', '/v1/buckets?page_size=500', { role: 'viewer' });
    await gilt.stopService('gateway');
    await gilt.stopService('ingestion');
    await gilt.startService('ingestion');
    await gilt.startService('gateway');
    const after = await gilt.request('GET', '/v1/buckets?page_size=500', { role: 'viewer' });
    expect(after.body).toEqual(before.body);
    const r = await publish('after-restart', { manifest: fixtureJson('manifests-cloud', 'docker.json') });
    expect(r.body.version.name).toBe('v1');
  });

  it('reports unhealthy when Redis is down', async () => {
    await gilt.redis.kill9();
    const h = await gilt.request('GET', '/healthz', { role: null });
    expect(h.status).toBe(503);
    expect(h.body.redis.ok).toBe(false);
    await gilt.redis.restart();
  });
});
