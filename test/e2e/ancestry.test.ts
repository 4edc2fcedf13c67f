import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { EVENT_SCHEMA_VERSION, revocationStream, type VersionRevoked } from '@gilt/contracts';
import { EventStore } from '@gilt/eventstore-client';
import { runCli, startGilt, type GiltStack } from '@gilt/testing';
import { amazonArtifacts, fixtureJson } from './fixtures.js';

// Lineage of the cloud fixtures (fixtures/manifests-cloud/README.md): lineage-app's builds start
// from lineage-base's AMI and Azure image; multi-cloud's docker.web starts from docker.json's image.
const BASE = fixtureJson('manifests-cloud', 'lineage-base.json');
const APP = fixtureJson('manifests-cloud', 'lineage-app.json');
const DOCKER = fixtureJson('manifests-cloud', 'docker.json');
const WEB = fixtureJson('manifests-cloud', 'multi-cloud.json');
const APP_AMI = amazonArtifacts(APP.builds[0].artifact_id)[0]!.external_id;

/** A service image built from app v1's first AMI: the third generation. */
const SVC = {
  builds: [
    {
      name: 'amazon-ebs.svc',
      builder_type: 'amazon-ebs',
      build_time: 1795600000,
      files: null,
      artifact_id: 'us-east-1:ami-0c0ffee0c0ffee0c0',
      packer_run_uuid: 'run-svc-1',
      custom_data: { source_image_id: APP_AMI },
    },
  ],
  last_run_uuid: 'run-svc-1',
};

/** The same template run again: every artifact id is new, so nothing is shared with the original. */
function rebuilt(manifest: any, hexTag: string): any {
  const copy = structuredClone(manifest);
  for (const b of copy.builds) {
    b.artifact_id = b.builder_type.startsWith('amazon-')
      ? b.artifact_id
          .split(',')
          .map((pair: string) => `${pair}${hexTag}`)
          .join(',')
      : `${b.artifact_id}-${hexTag}`;
  }
  return copy;
}

let gilt: GiltStack;
const ids: Record<string, string> = {};

const publish = (bucket: string, manifest: unknown, more: Record<string, unknown> = {}) =>
  gilt.request('POST', `/v1/buckets/${bucket}/publish`, { role: 'contributor', body: { manifest, ...more } });
const ancestry = (bucket: string, version: string, query = '') => gilt.request('GET', `/v1/buckets/${bucket}/versions/${version}/ancestry${query}`, { role: 'viewer' });
const assign = (bucket: string, channel: string, version: string) =>
  gilt.request('PUT', `/v1/buckets/${bucket}/channels/${channel}`, { role: 'contributor', body: { version, create: true } });

async function published(bucket: string, manifest: unknown, more: Record<string, unknown> = {}): Promise<any> {
  const r = await publish(bucket, manifest, more);
  expect(r.status).toBe(201);
  expect(r.body.version.status).toBe('ACTIVE');
  ids[`${bucket}:${r.body.version.name}`] = r.body.version.id;
  return r.body.version;
}

beforeAll(async () => {
  gilt = await startGilt({ services: ['ingestion', 'channels', 'ancestry', 'gateway'] });
  await published('base', BASE);
  await published('app', APP);
  await published('ubuntu-docker', DOCKER);
  await published('web', WEB);
});
afterAll(async () => {
  await gilt?.stop();
});

describe('ancestry', () => {
  it('links a build to the version that has its source image as an artifact, across buckets', async () => {
    const parents = await ancestry('app', 'v1', '?direction=parents');
    expect(parents.status).toBe(200);
    expect(parents.body).not.toHaveProperty('children');
    expect(parents.body.version).toMatchObject({ bucket: 'app', id: ids['app:v1'], name: 'v1', status: 'ACTIVE' });
    expect(parents.body.status).toBe('UP_TO_DATE');
    expect(parents.body.parents).toEqual([
      {
        bucket: 'base',
        version: { id: ids['base:v1'], name: 'v1', fingerprint: BASE.last_run_uuid, status: 'ACTIVE' },
        depth: 1,
        via: ids['app:v1'],
        status: 'UP_TO_DATE',
        channel: null,
        channel_version: { id: ids['base:v1'], name: 'v1', fingerprint: BASE.last_run_uuid },
        builds: [
          { name: 'amazon-ebs.app', builder_type: 'amazon-ebs', source_external_id: APP.builds[0].custom_data.source_image_id, channel: null, status: 'UP_TO_DATE' },
          { name: 'azure-arm.app', builder_type: 'azure-arm', source_external_id: APP.builds[1].custom_data.source_image_id, channel: null, status: 'UP_TO_DATE' },
        ],
      },
    ]);

    const children = await ancestry('base', 'v1', '?direction=children');
    expect(children.body.children.map((c: any) => [c.bucket, c.version.name, c.via, c.status])).toEqual([['app', 'v1', ids['base:v1'], 'UP_TO_DATE']]);
    // base's own sources are marketplace images: no parents, so no status.
    expect(children.body.status).toBeNull();

    // Only docker.web of the four multi-cloud builds starts from a registered image.
    const web = await ancestry('web', 'v1');
    expect(web.body.parents.map((p: any) => [p.bucket, p.version.name, p.builds.map((b: any) => b.name)])).toEqual([['ubuntu-docker', 'v1', ['docker.web']]]);
    expect(web.body.children).toEqual([]);
    expect((await ancestry('ubuntu-docker', ids['ubuntu-docker:v1'], '?direction=children')).body.children.map((c: any) => c.bucket)).toEqual(['web']);
  });

  it('marks the child OUT_OF_DATE once a newer parent version is in latest', async () => {
    await published('base', rebuilt(BASE, 'b2'), { fingerprint: 'base-3-1-0' });
    const r = await ancestry('app', 'v1', '?direction=parents');
    expect(r.body.status).toBe('OUT_OF_DATE');
    expect(r.body.parents).toHaveLength(1);
    expect(r.body.parents[0]).toMatchObject({ version: { name: 'v1' }, status: 'OUT_OF_DATE', channel: null, channel_version: { id: ids['base:v2'], name: 'v2' } });
    expect((await ancestry('base', 'v2', '?direction=children')).body.children).toEqual([]);
  });

  it('records a parent named as bucket:channel, and judges the child by that channel', async () => {
    expect((await assign('base', 'prod', 'v1')).status).toBe(200);
    const v = await published('app', rebuilt(APP, 'a2'), { parent: 'base:prod', fingerprint: 'app-from-prod' });
    expect(v.name).toBe('v2');
    // --parent overrides custom_data.source_image_id: the channel's version is the only parent.
    expect(v.builds.map((b: any) => [b.parent_channel, b.source_external_id])).toEqual([
      [{ bucket: 'base', channel: 'prod' }, null],
      [{ bucket: 'base', channel: 'prod' }, null],
    ]);

    const parentOf = async () => (await ancestry('app', 'v2', '?direction=parents')).body.parents;
    // prod still serves v1, although latest has moved on to v2.
    expect(await parentOf()).toEqual([
      expect.objectContaining({ bucket: 'base', version: expect.objectContaining({ name: 'v1' }), status: 'UP_TO_DATE', channel: { bucket: 'base', channel: 'prod' }, channel_version: expect.objectContaining({ name: 'v1' }) }),
    ]);
    expect((await assign('base', 'prod', 'v2')).status).toBe(200);
    expect(await parentOf()).toEqual([expect.objectContaining({ status: 'OUT_OF_DATE', channel: { bucket: 'base', channel: 'prod' }, channel_version: expect.objectContaining({ name: 'v2' }) })]);
    expect((await gilt.request('POST', '/v1/buckets/base/channels/prod/unassign', { role: 'contributor', body: {} })).status).toBe(200);
    expect(await parentOf()).toEqual([expect.objectContaining({ status: 'UNDETERMINED', channel_version: null })]);
  });

  it('refuses a mistyped parent channel of a known bucket instead of recording a build without lineage', async () => {
    const before = await gilt.logHead();
    const r = await publish('app', rebuilt(APP, 'a9'), { parent: 'base:prd', fingerprint: 'app-typo' });
    expect(r.status).toBe(404);
    expect(r.body).toMatchObject({ code: 'NOT_FOUND', details: { field: 'parent' } });
    expect(r.body.message).toContain('base:prd');
    expect(await gilt.logHead()).toBe(before);
  });

  it('walks several generations across three buckets with depth', async () => {
    await published('svc', SVC);
    const rows = (list: any[]) => list.map((r) => [r.bucket, r.version.name, r.depth, r.via]);
    expect(rows((await ancestry('svc', 'v1', '?direction=parents&depth=2')).body.parents)).toEqual([
      ['app', 'v1', 1, ids['svc:v1']],
      ['base', 'v1', 2, ids['app:v1']],
    ]);
    expect(rows((await ancestry('svc', 'v1', '?direction=parents')).body.parents)).toEqual([['app', 'v1', 1, ids['svc:v1']]]);
    const children = rows((await ancestry('base', 'v1', '?direction=children&depth=2')).body.children);
    expect(children.sort()).toEqual(
      [
        ['app', 'v1', 1, ids['base:v1']],
        ['app', 'v2', 1, ids['base:v1']],
        ['svc', 'v1', 2, ids['app:v1']],
      ].sort(),
    );
  });

  it('gilt ancestry prints the tree', async () => {
    const r = await runCli(['ancestry', 'svc:v1', '--direction', 'parents', '--depth', '2'], gilt.env('viewer'));
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    // app's latest is v2 (published from prod), base's latest is v2: both edges are stale.
    expect(r.stdout).toBe(
      [
        `svc v1 (${ids['svc:v1']}) ACTIVE`,
        '└── parents:',
        '    └── app v1  OUT_OF_DATE  (latest now serves v2)',
        '        └── base v1  OUT_OF_DATE  (latest now serves v2)',
        '',
      ].join('\n'),
    );
  });

  it('refuses to publish onto a revoked parent, naming it, unless allowed', async () => {
    // The revocation service is not part of this stack: write the revocation to the log directly.
    const store = await EventStore.connect({ servers: gilt.nats.url, name: 'e2e-ancestry-revoker' });
    try {
      const revoked: VersionRevoked = {
        type: 'VersionRevoked',
        bucket: 'base',
        version_id: ids['base:v1']!,
        revoked_at: new Date().toISOString(),
        reason: 'CVE-2026-0001 in the base image',
        revocation_type: 'MANUAL',
        inherited_from: null,
        skip_descendants: true,
        disable_rollback: false,
        channel_rollbacks: [],
      };
      const now = new Date().toISOString();
      await store.append(revocationStream(ids['base:v1']!), [revoked], {
        expectedRevision: 0,
        meta: { command_id: 'e2e-revoke-base-v1', actor: 'e2e', occurred_at: now, correlation_id: 'e2e-revoke-base-v1', causation_id: null, schema_version: EVENT_SCHEMA_VERSION },
      });
    } finally {
      await store.close();
    }

    const before = await gilt.logHead();
    const refused = await publish('app', rebuilt(APP, 'a3'), { fingerprint: 'app-on-revoked' });
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('CONFLICT');
    expect(refused.body.message).toContain(`parent base v1 (${ids['base:v1']}) of build amazon-ebs.app, azure-arm.app is revoked`);
    expect(refused.body.details).toEqual({ revoked_parents: [{ bucket: 'base', version_id: ids['base:v1'], name: 'v1', builds: ['amazon-ebs.app', 'azure-arm.app'] }] });
    expect(await gilt.logHead()).toBe(before);

    const allowed = await published('app', rebuilt(APP, 'a3'), { fingerprint: 'app-on-revoked', allow_revoked_parent: true });
    const parents = (await ancestry('app', allowed.id, '?direction=parents')).body.parents;
    expect(parents.map((p: any) => [p.bucket, p.version.name, p.version.status])).toEqual([['base', 'v1', 'REVOKED']]);
  });

  it('refuses bad queries with the field named, and unknown versions with 404', async () => {
    for (const [query, field] of [
      ['?direction=sideways', 'direction'],
      ['?depth=0', 'depth'],
      ['?depth=11', 'depth'],
      ['?depth=2.5', 'depth'],
      ['?depth=', 'depth'],
      ['?as_of=yesterday', 'as_of'],
    ] as const) {
      const r = await ancestry('app', 'v1', query);
      expect([query, r.status, r.body.code, r.body.details.field]).toEqual([query, 400, 'VALIDATION_FAILED', field]);
    }
    expect((await ancestry('app', 'v99')).status).toBe(404);
    expect((await ancestry('no-such-bucket', 'v1')).status).toBe(404);
    expect((await gilt.request('GET', '/v1/buckets/app/versions/v1/ancestry', { role: null })).status).toBe(401);
  });

  it('answers 503 when the ancestry service is not running', async () => {
    await gilt.stopService('ancestry');
    const r = await ancestry('app', 'v1');
    expect(r.status).toBe(503);
    expect(r.body).toMatchObject({ code: 'UNAVAILABLE', details: { subject: 'gilt.qry.ancestry.relatives' } });
  });
});
