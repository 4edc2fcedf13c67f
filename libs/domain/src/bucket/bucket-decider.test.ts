import { describe, it, expect } from '@jest/globals';
import {
  ErrorCodes,
  type Artifact,
  type BucketCreated,
  type BucketEvent,
  type BuildCompleted,
  type BuildFailed,
  type BuildRecord,
  type PublishedBuild,
  type VersionCompleted,
  type VersionStarted,
} from '@gilt/contracts';
import { decideBucket, type BucketCommand, type BucketContext } from './bucket-decider.js';
import { evolveBucket, findVersion, type BucketState } from './bucket-state.js';
import { deciderSpec, eventContext } from '../testing/decider-spec.js';

const spec = deciderSpec({
  decide: decideBucket,
  evolve: evolveBucket,
  context: (newId): BucketContext => ({ newId, channelsAssigned: () => [], revokedParents: () => [] }),
});

// ---- fixtures -----------------------------------------------------------------------------

const B = 'ubuntu-base';
const ami = (id: string, region = 'us-east-1'): Artifact => ({ external_id: id, region });

const bucketCreated = (description = 'Ubuntu golden image', labels: Record<string, string> = { os: 'ubuntu' }): BucketCreated => ({
  type: 'BucketCreated',
  bucket: B,
  description,
  labels,
});
const bucketDeleted: BucketEvent = { type: 'BucketDeleted', bucket: B };
const versionStarted = (version_id: string, fingerprint: string, expected_builds: string[] | null = null): VersionStarted => ({
  type: 'VersionStarted',
  bucket: B,
  version_id,
  fingerprint,
  expected_builds,
});
const versionCompleted = (version_id: string, name: string): VersionCompleted => ({ type: 'VersionCompleted', bucket: B, version_id, name });
const versionDeleted = (version_id: string): BucketEvent => ({ type: 'VersionDeleted', bucket: B, version_id });

/** A build as `gilt publish` sends it. */
function published(name: string, overrides: Partial<PublishedBuild> = {}): PublishedBuild {
  return {
    name,
    builder_type: 'amazon-ebs',
    status: 'DONE',
    platform: 'aws',
    packer_run_uuid: `run-${name}`,
    artifacts: [ami(`ami-${name}`)],
    labels: {},
    source_external_id: null,
    parent_channel: null,
    parent_version_id: null,
    build_time: null,
    ...overrides,
  };
}
const failedBuild = (name: string, reason = 'provisioner exited 1', overrides: Partial<PublishedBuild> = {}) =>
  published(name, { status: 'FAILED', artifacts: [], failure_reason: reason, ...overrides });

/** The record the decider writes for a DONE published build. */
function record(pb: PublishedBuild, build_id: string): BuildRecord {
  const { status: _status, failure_reason: _reason, ...published } = pb;
  return { build_id, ...published };
}
const buildCompleted = (version_id: string, pb: PublishedBuild, build_id: string): BuildCompleted => ({
  type: 'BuildCompleted',
  bucket: B,
  version_id,
  build: record(pb, build_id),
});
const buildFailed = (version_id: string, build_id: string, name: string, builder_type = 'amazon-ebs', reason = 'provisioner exited 1'): BuildFailed => ({
  type: 'BuildFailed',
  bucket: B,
  version_id,
  build_id,
  name,
  builder_type,
  reason,
});

/** A bucket with one complete version `ver-1` (fingerprint fp-1, name v1, build `ubuntu`). */
const withV1: BucketEvent[] = [
  bucketCreated(),
  versionStarted('ver-1', 'fp-1'),
  buildCompleted('ver-1', published('ubuntu'), 'bld-1'),
  versionCompleted('ver-1', 'v1'),
];

const publish = (fingerprint: string, builds: PublishedBuild[], more: Partial<Extract<BucketCommand, { type: 'Publish' }>> = {}): BucketCommand => ({
  type: 'Publish',
  bucket: B,
  fingerprint,
  builds,
  expected_builds: null,
  missing_builds_failed: false,
  ...more,
});

// ---- CreateBucket -------------------------------------------------------------------------

describe('CreateBucket', () => {
  const create: BucketCommand = { type: 'CreateBucket', bucket: B, description: 'Ubuntu golden image', labels: { os: 'ubuntu' } };

  it('creates a new bucket', () => {
    const { state } = spec.given([]).when(create).then([bucketCreated()], `created bucket ${B}`);
    expect(state).toMatchObject({ name: B, description: 'Ubuntu golden image', labels: { os: 'ubuntu' }, deleted: false, versions: [] });
  });

  it('refuses a bucket that already exists', () => {
    const err = spec.given([bucketCreated()]).when(create).thenThrows(ErrorCodes.alreadyExists, 'already exists');
    expect(err.details).toEqual({ bucket: B });
  });

  it('re-creates a deleted bucket, empty, with version numbering continuing', () => {
    const { state } = spec.given([...withV1, bucketDeleted]).when(create).then([bucketCreated()]);
    expect(state?.deleted).toBe(false);
    expect(state?.versions).toEqual([]);
    expect(state?.completed_count).toBe(1);
  });
});

// ---- UpdateBucket -------------------------------------------------------------------------

describe('UpdateBucket', () => {
  it('records a changed description only', () => {
    spec
      .given([bucketCreated()])
      .when({ type: 'UpdateBucket', bucket: B, description: 'new', labels: { os: 'ubuntu' } })
      .then([{ type: 'BucketUpdated', bucket: B, description: 'new' }], 'updated');
  });

  it('records changed labels only', () => {
    const { state } = spec
      .given([bucketCreated()])
      .when({ type: 'UpdateBucket', bucket: B, labels: { os: 'ubuntu', team: 'infra' } })
      .then([{ type: 'BucketUpdated', bucket: B, labels: { os: 'ubuntu', team: 'infra' } }]);
    expect(state?.labels).toEqual({ os: 'ubuntu', team: 'infra' });
    expect(state?.description).toBe('Ubuntu golden image');
  });

  it('records both when both change', () => {
    spec
      .given([bucketCreated()])
      .when({ type: 'UpdateBucket', bucket: B, description: 'd2', labels: {} })
      .then([{ type: 'BucketUpdated', bucket: B, description: 'd2', labels: {} }]);
  });

  it('writes nothing when nothing changes (labels compared by content)', () => {
    spec
      .given([bucketCreated('d', { a: '1', b: '2' })])
      .when({ type: 'UpdateBucket', bucket: B, description: 'd', labels: { b: '2', a: '1' } })
      .thenNothingChanged('unchanged');
    spec.given([bucketCreated()]).when({ type: 'UpdateBucket', bucket: B }).thenNothingChanged('unchanged');
  });

  it('refuses a missing or deleted bucket', () => {
    spec.given([]).when({ type: 'UpdateBucket', bucket: B, description: 'x' }).thenThrows(ErrorCodes.notFound, `bucket ${B} not found`);
    spec.given([bucketCreated(), bucketDeleted]).when({ type: 'UpdateBucket', bucket: B, description: 'x' }).thenThrows(ErrorCodes.notFound);
  });
});

// ---- DeleteBucket -------------------------------------------------------------------------

describe('DeleteBucket', () => {
  const del: BucketCommand = { type: 'DeleteBucket', bucket: B };

  it('deletes a bucket with no assigned versions', () => {
    const { state } = spec.given(withV1).when(del).then([bucketDeleted], `deleted bucket ${B}`);
    expect(state?.deleted).toBe(true);
  });

  it('refuses while a user channel points at one of its versions, naming the channels', () => {
    const err = spec
      .given([...withV1, versionStarted('ver-2', 'fp-2'), buildCompleted('ver-2', published('ubuntu'), 'bld-2'), versionCompleted('ver-2', 'v2')])
      .when(del, { channelsAssigned: (_b, v) => (v === 'ver-1' ? ['prod'] : v === 'ver-2' ? ['dev', 'staging'] : []) })
      .thenThrows(ErrorCodes.conflict, 'prod, dev, staging');
    expect(err.details).toEqual({ bucket: B, channels: ['prod', 'dev', 'staging'] });
  });

  it('only asks about live versions', () => {
    const asked: string[] = [];
    spec
      .given([...withV1, versionStarted('ver-2', 'fp-2'), versionDeleted('ver-2')])
      .when(del, {
        channelsAssigned: (_b, v) => {
          asked.push(v);
          return [];
        },
      })
      .then([bucketDeleted]);
    expect(asked).toEqual(['ver-1']);
  });

  it('refuses a missing or already deleted bucket', () => {
    spec.given([]).when(del).thenThrows(ErrorCodes.notFound);
    spec.given([bucketCreated(), bucketDeleted]).when(del).thenThrows(ErrorCodes.notFound);
  });
});

// ---- StartVersion -------------------------------------------------------------------------

describe('StartVersion', () => {
  it('starts a new version with a generated id', () => {
    const { decision, state } = spec
      .given([bucketCreated()])
      .when({ type: 'StartVersion', bucket: B, fingerprint: 'fp-1', expected_builds: ['a', 'b'] })
      .then([versionStarted('id-1', 'fp-1', ['a', 'b'])], 'started version fp-1');
    expect(decision.version_id).toBe('id-1');
    expect(state?.by_fingerprint.get('fp-1')).toMatchObject({ id: 'id-1', name: 'v0', status: 'RUNNING', expected_builds: ['a', 'b'], created_by: 'decider' });
  });

  it('is idempotent: the same fingerprint writes nothing and answers the existing version', () => {
    const { decision } = spec
      .given([bucketCreated(), versionStarted('ver-1', 'fp-1')])
      .when({ type: 'StartVersion', bucket: B, fingerprint: 'fp-1', expected_builds: null })
      .thenNothingChanged('already exists');
    expect(decision.version_id).toBe('ver-1');
  });

  it('starts a fresh version when the fingerprint belonged to a deleted version', () => {
    spec
      .given([...withV1, versionDeleted('ver-1')])
      .when({ type: 'StartVersion', bucket: B, fingerprint: 'fp-1', expected_builds: null })
      .then([versionStarted('id-1', 'fp-1')]);
  });

  it('refuses a missing bucket', () => {
    spec.given([]).when({ type: 'StartVersion', bucket: B, fingerprint: 'fp-1', expected_builds: null }).thenThrows(ErrorCodes.notFound);
  });
});

// ---- Publish ------------------------------------------------------------------------------

describe('Publish', () => {
  it('creates bucket, version, builds and completion (v1) in one decision', () => {
    const a = published('ubuntu', { labels: { os: 'ubuntu' }, source_external_id: 'ami-source', build_time: 321 });
    const { decision, state } = spec
      .given([])
      .when(publish('fp-1', [a], { description: 'from packer' }))
      .then(
        [
          { type: 'BucketCreated', bucket: B, description: 'from packer', labels: {} },
          versionStarted('id-1', 'fp-1'),
          buildCompleted('id-1', a, 'id-2'),
          versionCompleted('id-1', 'v1'),
        ],
        'version complete as v1',
      );
    expect(decision.version_id).toBe('id-1');
    expect(state?.by_id.get('id-1')).toMatchObject({ name: 'v1', status: 'ACTIVE', builds: [{ build_id: 'id-2', status: 'DONE', name: 'ubuntu' }] });
  });

  it('creates the bucket with an empty description when none is given', () => {
    const [first] = spec.given([]).when(publish('fp-1', [published('ubuntu')])).then([
      { type: 'BucketCreated', bucket: B, description: '', labels: {} },
      versionStarted('id-1', 'fp-1'),
      buildCompleted('id-1', published('ubuntu'), 'id-2'),
      versionCompleted('id-1', 'v1'),
    ]).decision.events;
    expect(first?.type).toBe('BucketCreated');
  });

  it('gives the second complete version of a bucket the name v2', () => {
    const b = published('ubuntu', { artifacts: [ami('ami-new')] });
    spec
      .given(withV1)
      .when(publish('fp-2', [b]))
      .then([versionStarted('id-1', 'fp-2'), buildCompleted('id-1', b, 'id-2'), versionCompleted('id-1', 'v2')], 'version complete as v2');
  });

  it('numbers versions in order of completion, not of start', () => {
    spec
      .given([bucketCreated(), versionStarted('ver-a', 'fp-a'), versionStarted('ver-b', 'fp-b'), buildCompleted('ver-b', published('x'), 'bld-b'), versionCompleted('ver-b', 'v1')])
      .when(publish('fp-a', [published('x')]))
      .then([buildCompleted('ver-a', published('x'), 'id-1'), versionCompleted('ver-a', 'v2')]);
  });

  it('re-publishing identical builds writes nothing ("nothing changed"), artifact order aside', () => {
    const twoRegions = published('ubuntu', { artifacts: [ami('ami-1', 'us-east-1'), ami('ami-2', 'eu-west-1')] });
    const given = [bucketCreated(), versionStarted('ver-1', 'fp-1'), buildCompleted('ver-1', twoRegions, 'bld-1'), versionCompleted('ver-1', 'v1')];
    const { decision } = spec.given(given).when(publish('fp-1', [twoRegions])).thenNothingChanged('nothing changed');
    expect(decision.message).toContain('complete as v1');
    expect(decision.version_id).toBe('ver-1');
    spec
      .given(given)
      .when(publish('fp-1', [{ ...twoRegions, artifacts: [ami('ami-2', 'eu-west-1'), ami('ami-1', 'us-east-1')] }]))
      .thenNothingChanged('nothing changed');
  });

  it('re-publishing a done build into a still-running version writes nothing either', () => {
    const a = published('a');
    spec
      .given([bucketCreated(), versionStarted('ver-1', 'fp-1', ['a', 'b']), buildCompleted('ver-1', a, 'bld-a')])
      .when(publish('fp-1', [a]))
      .thenNothingChanged('nothing changed');
  });

  it('refuses the same build with other artifacts on a complete version', () => {
    const err = spec
      .given(withV1)
      .when(publish('fp-1', [published('ubuntu', { artifacts: [ami('ami-other')] })]))
      .thenThrows(ErrorCodes.conflict, 'already done with other artifacts');
    expect(err.details).toEqual({ version: 'ver-1', build: 'ubuntu', builder_type: 'amazon-ebs' });
  });

  it('refuses a new build on a complete version (change the fingerprint)', () => {
    const err = spec.given(withV1).when(publish('fp-1', [published('arm64')])).thenThrows(ErrorCodes.conflict, 'is complete as v1');
    expect(err.details).toEqual({ version: 'ver-1', name: 'v1' });
  });

  it('manifest mode: expected builds missing from the manifest are recorded as failed and the version does not complete', () => {
    const a = published('a');
    const { state } = spec
      .given([bucketCreated()])
      .when(publish('fp-1', [a], { expected_builds: ['a', 'b', 'c'], missing_builds_failed: true }))
      .then(
        [
          versionStarted('id-1', 'fp-1', ['a', 'b', 'c']),
          buildCompleted('id-1', a, 'id-2'),
          buildFailed('id-1', 'id-3', 'b', 'unknown', 'missing from the Packer manifest (the build failed or did not run)'),
          buildFailed('id-1', 'id-4', 'c', 'unknown', 'missing from the Packer manifest (the build failed or did not run)'),
        ],
        'failed builds: b, c',
      );
    expect(state?.by_id.get('id-1')).toMatchObject({ name: 'v0', status: 'FAILED', completed_at: null });
  });

  it('manifest mode: resuming the version with the missing build done replaces the placeholder and completes', () => {
    const a = published('a');
    const b = published('b');
    const given: BucketEvent[] = [
      bucketCreated(),
      versionStarted('ver-1', 'fp-1', ['a', 'b']),
      buildCompleted('ver-1', a, 'bld-a'),
      buildFailed('ver-1', 'bld-b', 'b', 'unknown', 'missing from the Packer manifest (the build failed or did not run)'),
    ];
    const { state } = spec
      .given(given)
      .when(publish('fp-1', [a, b], { expected_builds: ['a', 'b'], missing_builds_failed: true }))
      .then([buildCompleted('ver-1', b, 'bld-b'), versionCompleted('ver-1', 'v1')], 'version complete as v1');
    expect(state?.by_id.get('ver-1')?.builds.map((x) => [x.name, x.builder_type, x.status])).toEqual([
      ['a', 'amazon-ebs', 'DONE'],
      ['b', 'amazon-ebs', 'DONE'],
    ]);
  });

  it('manifest mode: a placeholder is replaced once, even when the resumed build has two builder types', () => {
    const ebs = published('b');
    const docker = published('b', { builder_type: 'docker', platform: 'docker', artifacts: [ami('sha256:b', '')] });
    const { state } = spec
      .given([
        bucketCreated(),
        versionStarted('ver-1', 'fp-1', ['b']),
        buildFailed('ver-1', 'bld-b', 'b', 'unknown', 'missing from the Packer manifest (the build failed or did not run)'),
      ])
      .when(publish('fp-1', [ebs, docker], { expected_builds: ['b'], missing_builds_failed: true }))
      .then([buildCompleted('ver-1', ebs, 'bld-b'), buildCompleted('ver-1', docker, 'id-1'), versionCompleted('ver-1', 'v1')]);
    expect(state?.by_id.get('ver-1')?.builds.map((x) => x.build_id)).toEqual(['bld-b', 'id-1']);
  });

  it('manifest mode: a build still missing on resume writes nothing new', () => {
    spec
      .given([
        bucketCreated(),
        versionStarted('ver-1', 'fp-1', ['a', 'b']),
        buildCompleted('ver-1', published('a'), 'bld-a'),
        buildFailed('ver-1', 'bld-b', 'b', 'unknown', 'missing from the Packer manifest (the build failed or did not run)'),
      ])
      .when(publish('fp-1', [published('a')], { expected_builds: ['a', 'b'], missing_builds_failed: true }))
      .thenNothingChanged('nothing changed');
  });

  it('shell-local style: expected [a, b]; publishing a waits, publishing b completes', () => {
    const a = published('a', { builder_type: 'shell-local', platform: 'local' });
    const b = published('b', { builder_type: 'shell-local', platform: 'local' });
    const first = spec
      .given([bucketCreated()])
      .when(publish('fp-1', [a], { expected_builds: ['a', 'b'] }))
      .then([versionStarted('id-1', 'fp-1', ['a', 'b']), buildCompleted('id-1', a, 'id-2')], 'waiting for b');
    expect(first.state?.by_id.get('id-1')).toMatchObject({ status: 'RUNNING', name: 'v0' });

    spec
      .given([bucketCreated(), versionStarted('ver-1', 'fp-1', ['a', 'b']), buildCompleted('ver-1', a, 'bld-a')])
      .when(publish('fp-1', [b], { expected_builds: ['a', 'b'] }))
      .then([buildCompleted('ver-1', b, 'id-1'), versionCompleted('ver-1', 'v1')]);
  });

  it('refuses a DONE build with zero artifacts', () => {
    const err = spec
      .given([])
      .when(publish('fp-1', [published('a'), published('b', { artifacts: [] })]))
      .thenThrows(ErrorCodes.validation, 'at least one artifact');
    expect(err.details).toEqual({ field: 'builds[1].artifacts' });
  });

  it('records a failed build and does not complete', () => {
    const { state } = spec
      .given([bucketCreated()])
      .when(publish('fp-1', [published('a'), failedBuild('b', 'timeout')]))
      .then([versionStarted('id-1', 'fp-1'), buildCompleted('id-1', published('a'), 'id-2'), buildFailed('id-1', 'id-3', 'b', 'amazon-ebs', 'timeout')], 'failed builds: b');
    expect(state?.by_id.get('id-1')?.status).toBe('FAILED');
  });

  it('a failed build without a reason gets a default one', () => {
    spec
      .given([bucketCreated(), versionStarted('ver-1', 'fp-1')])
      .when(publish('fp-1', [published('a', { status: 'FAILED', artifacts: [] })]))
      .then([buildFailed('ver-1', 'id-1', 'a', 'amazon-ebs', 'build failed')]);
  });

  it('a later DONE build of the same name and type replaces a failed one, keeps its id, and completes', () => {
    const a = published('a');
    const { state } = spec
      .given([bucketCreated(), versionStarted('ver-1', 'fp-1'), buildFailed('ver-1', 'bld-a', 'a')])
      .when(publish('fp-1', [a]))
      .then([buildCompleted('ver-1', a, 'bld-a'), versionCompleted('ver-1', 'v1')]);
    expect(state?.by_id.get('ver-1')?.builds).toHaveLength(1);
    expect(state?.by_id.get('ver-1')).toMatchObject({ status: 'ACTIVE', name: 'v1' });
  });

  it('the same name with another builder type is a second build', () => {
    const ebs = published('ubuntu');
    const docker = published('ubuntu', { builder_type: 'docker', platform: 'docker', artifacts: [ami('sha256:abc', '')] });
    const { state } = spec
      .given([bucketCreated()])
      .when(publish('fp-1', [ebs, docker]))
      .then([versionStarted('id-1', 'fp-1'), buildCompleted('id-1', ebs, 'id-2'), buildCompleted('id-1', docker, 'id-3'), versionCompleted('id-1', 'v1')]);
    expect(state?.by_id.get('id-1')?.builds.map((x) => x.builder_type)).toEqual(['amazon-ebs', 'docker']);
  });

  it('a failed build of one builder type keeps the version from completing even if the same name is done with another', () => {
    spec
      .given([bucketCreated(), versionStarted('ver-1', 'fp-1'), buildFailed('ver-1', 'bld-1', 'ubuntu', 'docker')])
      .when(publish('fp-1', [published('ubuntu')]))
      .then([buildCompleted('ver-1', published('ubuntu'), 'id-1')], 'failed builds: ubuntu');
  });

  it('re-creates a deleted bucket and keeps numbering', () => {
    spec
      .given([...withV1, bucketDeleted])
      .when(publish('fp-1', [published('ubuntu')]))
      .then([
        { type: 'BucketCreated', bucket: B, description: '', labels: {} },
        versionStarted('id-1', 'fp-1'),
        buildCompleted('id-1', published('ubuntu'), 'id-2'),
        versionCompleted('id-1', 'v2'),
      ]);
  });
});

// ---- RecordBuilds -------------------------------------------------------------------------

describe('RecordBuilds', () => {
  const running: BucketEvent[] = [bucketCreated(), versionStarted('ver-1', 'fp-1')];

  it('records builds on a version and completes it when it expects nothing more', () => {
    const a = published('a');
    spec
      .given(running)
      .when({ type: 'RecordBuilds', bucket: B, version: 'ver-1', builds: [a] })
      .then([buildCompleted('ver-1', a, 'id-1'), versionCompleted('ver-1', 'v1')], 'recorded 1 build(s)');
  });

  it('finds the version by fingerprint too', () => {
    const a = published('a');
    spec
      .given(running)
      .when({ type: 'RecordBuilds', bucket: B, version: 'fp-1', builds: [a] })
      .then([buildCompleted('ver-1', a, 'id-1'), versionCompleted('ver-1', 'v1')]);
  });

  it('waits for expected builds and never invents failed ones', () => {
    const a = published('a');
    spec
      .given([bucketCreated(), versionStarted('ver-1', 'fp-1', ['a', 'b'])])
      .when({ type: 'RecordBuilds', bucket: B, version: 'ver-1', builds: [a] })
      .then([buildCompleted('ver-1', a, 'id-1')], 'waiting for b');
  });

  it('writes nothing for builds it already has', () => {
    spec.given(withV1).when({ type: 'RecordBuilds', bucket: B, version: 'v1', builds: [published('ubuntu')] }).thenNothingChanged('nothing changed');
  });

  it('refuses an unknown version or bucket', () => {
    spec.given(running).when({ type: 'RecordBuilds', bucket: B, version: 'fp-x', builds: [published('a')] }).thenThrows(ErrorCodes.notFound, 'version fp-x');
    spec.given([]).when({ type: 'RecordBuilds', bucket: B, version: 'fp-1', builds: [published('a')] }).thenThrows(ErrorCodes.notFound, `bucket ${B}`);
  });
});

// ---- building on a revoked parent ---------------------------------------------------------

describe('a build whose parent is revoked', () => {
  const base = { bucket: 'base-images', version_id: 'ver-base-3', name: 'v3' };
  /** The revoked parent is whatever the build's source image is an artifact of. */
  const revokedSource = (source: string) => ({ revokedParents: (b: PublishedBuild) => (b.source_external_id === source ? [base] : []) });
  const onBase = published('app', { source_external_id: 'ami-base-3' });

  it('is refused with a conflict naming the revoked parent and the build, and nothing is written', () => {
    const err = spec.given([]).when(publish('fp-1', [onBase, published('other')]), revokedSource('ami-base-3')).thenThrows(ErrorCodes.conflict, 'parent base-images v3 (ver-base-3) of build app is revoked');
    expect(err.message).toContain('--allow-revoked-parent');
    expect(err.details).toEqual({ revoked_parents: [{ ...base, builds: ['app'] }] });
  });

  it('names each revoked parent once, with every build built on it', () => {
    const err = spec
      .given([])
      .when(publish('fp-1', [onBase, published('app-arm', { source_external_id: 'ami-base-3' })]), revokedSource('ami-base-3'))
      .thenThrows(ErrorCodes.conflict, 'of build app, app-arm is revoked');
    expect(err.details).toEqual({ revoked_parents: [{ ...base, builds: ['app', 'app-arm'] }] });
  });

  it('is recorded when the command allows it', () => {
    spec
      .given([bucketCreated()])
      .when(publish('fp-1', [onBase], { allow_revoked_parent: true }), revokedSource('ami-base-3'))
      .then([versionStarted('id-1', 'fp-1'), buildCompleted('id-1', onBase, 'id-2'), versionCompleted('id-1', 'v1')]);
  });

  it('refuses RecordBuilds alike, and allows it on request', () => {
    const running: BucketEvent[] = [bucketCreated(), versionStarted('ver-1', 'fp-1')];
    spec.given(running).when({ type: 'RecordBuilds', bucket: B, version: 'fp-1', builds: [onBase] }, revokedSource('ami-base-3')).thenThrows(ErrorCodes.conflict, 'base-images v3');
    spec
      .given(running)
      .when({ type: 'RecordBuilds', bucket: B, version: 'fp-1', builds: [onBase], allow_revoked_parent: true }, revokedSource('ami-base-3'))
      .then([buildCompleted('ver-1', onBase, 'id-1'), versionCompleted('ver-1', 'v1')]);
  });

  it('does not stop a re-publish that writes nothing, nor a failed build (it made no image)', () => {
    const given: BucketEvent[] = [bucketCreated(), versionStarted('ver-1', 'fp-1'), buildCompleted('ver-1', onBase, 'bld-1'), versionCompleted('ver-1', 'v1')];
    spec.given(given).when(publish('fp-1', [onBase]), revokedSource('ami-base-3')).thenNothingChanged('nothing changed');
    const failed = failedBuild('app', 'provisioner exited 1', { source_external_id: 'ami-base-3' });
    spec
      .given([bucketCreated()])
      .when(publish('fp-2', [failed]), revokedSource('ami-base-3'))
      .then([versionStarted('id-1', 'fp-2'), buildFailed('id-1', 'id-2', 'app')]);
  });
});

// ---- CompleteVersion ----------------------------------------------------------------------

describe('CompleteVersion', () => {
  it('refuses a version without builds', () => {
    spec
      .given([bucketCreated(), versionStarted('ver-1', 'fp-1')])
      .when({ type: 'CompleteVersion', bucket: B, version: 'fp-1' })
      .thenThrows(ErrorCodes.conflict, 'has no builds');
  });

  it('refuses a version with failed builds, naming them', () => {
    const err = spec
      .given([bucketCreated(), versionStarted('ver-1', 'fp-1'), buildCompleted('ver-1', published('a'), 'bld-a'), buildFailed('ver-1', 'bld-b', 'b')])
      .when({ type: 'CompleteVersion', bucket: B, version: 'ver-1' })
      .thenThrows(ErrorCodes.conflict, 'failed builds: b');
    expect(err.details).toEqual({ version: 'ver-1', failed_builds: ['b'] });
  });

  it('completes a version as v(N+1)', () => {
    const { decision, state } = spec
      .given([...withV1, versionStarted('ver-2', 'fp-2', ['a', 'b']), buildCompleted('ver-2', published('a'), 'bld-a')])
      .when({ type: 'CompleteVersion', bucket: B, version: 'fp-2' })
      .then([versionCompleted('ver-2', 'v2')], 'as v2');
    expect(decision.version_id).toBe('ver-2');
    expect(state?.completed_count).toBe(2);
    expect(state?.by_id.get('ver-2')).toMatchObject({ name: 'v2', status: 'ACTIVE', completed_position: 7 });
  });

  it('writes nothing for a version already complete', () => {
    spec.given(withV1).when({ type: 'CompleteVersion', bucket: B, version: 'v1' }).thenNothingChanged('already complete as v1');
  });

  it('refuses an unknown version', () => {
    spec.given(withV1).when({ type: 'CompleteVersion', bucket: B, version: 'v9' }).thenThrows(ErrorCodes.notFound);
  });
});

// ---- DeleteVersion ------------------------------------------------------------------------

describe('DeleteVersion', () => {
  it('refuses a version a user channel points at, naming the channels', () => {
    const err = spec
      .given(withV1)
      .when({ type: 'DeleteVersion', bucket: B, version: 'v1' }, { channelsAssigned: (b, v) => (b === B && v === 'ver-1' ? ['prod', 'staging'] : []) })
      .thenThrows(ErrorCodes.conflict, 'version v1 is assigned to channel(s) prod, staging');
    expect(err.details).toEqual({ bucket: B, version: 'ver-1', channels: ['prod', 'staging'] });
  });

  it('names an incomplete version by its fingerprint', () => {
    spec
      .given([bucketCreated(), versionStarted('ver-1', 'fp-1')])
      .when({ type: 'DeleteVersion', bucket: B, version: 'ver-1' }, { channelsAssigned: () => ['x'] })
      .thenThrows(ErrorCodes.conflict, 'version fp-1 is assigned');
  });

  it('deletes a version; it can no longer be found', () => {
    const { state, decision } = spec.given(withV1).when({ type: 'DeleteVersion', bucket: B, version: 'ver-1' }).then([versionDeleted('ver-1')], 'deleted version fp-1');
    expect(decision.version_id).toBe('ver-1');
    expect(state?.by_id.get('ver-1')?.deleted).toBe(true);
    expect(findVersion(state, 'ver-1')).toBeUndefined();
    expect(findVersion(state, 'fp-1')).toBeUndefined();
    expect(findVersion(state, 'v1')).toBeUndefined();
  });

  it('refuses an unknown or already deleted version', () => {
    spec.given(withV1).when({ type: 'DeleteVersion', bucket: B, version: 'nope' }).thenThrows(ErrorCodes.notFound, 'version nope');
    spec.given([...withV1, versionDeleted('ver-1')]).when({ type: 'DeleteVersion', bucket: B, version: 'ver-1' }).thenThrows(ErrorCodes.notFound);
  });
});

// ---- version lookup -----------------------------------------------------------------------

describe('version lookup (id, fingerprint, vN)', () => {
  const given: BucketEvent[] = [
    ...withV1,
    versionStarted('ver-2', 'fp-2'),
    buildCompleted('ver-2', published('ubuntu', { artifacts: [ami('ami-2')] }), 'bld-2'),
    versionCompleted('ver-2', 'v2'),
    versionStarted('ver-3', 'fp-3'),
  ];
  const state = (): BucketState | undefined => spec.given(given).state();

  it.each([
    ['ver-2', 'ver-2'],
    ['fp-2', 'ver-2'],
    ['v2', 'ver-2'],
    ['v1', 'ver-1'],
    ['fp-3', 'ver-3'],
  ])('finds %s', (ref, id) => {
    expect(findVersion(state(), ref)?.id).toBe(id);
  });

  it.each(['v0', 'v3', 'v01', 'V1', 'fp-9', ''])('does not find %j', (ref) => {
    expect(findVersion(state(), ref)).toBeUndefined();
  });

  it('finds nothing in a missing bucket', () => {
    expect(findVersion(undefined, 'v1')).toBeUndefined();
  });

  it.each(['ver-2', 'fp-2', 'v2'])('commands accept %s as the version reference', (ref) => {
    spec.given(given).when({ type: 'DeleteVersion', bucket: B, version: ref }).then([versionDeleted('ver-2')]);
  });

  it('the given events fold with increasing positions', () => {
    expect(state()?.by_id.get('ver-2')?.completed_position).toBe(7);
    expect(state()?.by_id.get('ver-2')?.completed_at).toBe(eventContext(7).at);
  });
});
