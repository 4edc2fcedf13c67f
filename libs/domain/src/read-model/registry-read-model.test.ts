import { describe, it, expect } from '@jest/globals';
import { MANAGED_CHANNEL, type Artifact, type DomainEvent, type StoredCommit } from '@gilt/contracts';
import { RegistryReadModel } from './registry-read-model.js';

// ---- hand-made commits --------------------------------------------------------------------

const B = 'ubuntu-base';
const at = (position: number) => new Date(Date.UTC(2024, 0, 1) + position * 60_000).toISOString();

function commit(position: number, events: DomainEvent[], actor = 'ci'): StoredCommit {
  const first = events[0];
  const stream = first && first.type.startsWith('Channel') ? `channel.${first.bucket}.${(first as { channel: string }).channel}` : `bucket.${first?.bucket ?? B}`;
  return {
    position,
    stream,
    events,
    meta: { command_id: `cmd-${position}`, actor, occurred_at: at(position), correlation_id: `corr-${position}`, causation_id: null, schema_version: 1 },
    prev_hash: '',
    hash: '',
  };
}

/** Feeds event batches as commits at positions 1, 2, … */
function feed(batches: DomainEvent[][], model = new RegistryReadModel()): RegistryReadModel {
  for (const events of batches) model.apply(commit(model.position + 1, events));
  return model;
}

const bucketCreated = (bucket = B): DomainEvent => ({ type: 'BucketCreated', bucket, description: 'Ubuntu', labels: {} });

interface BuildSpec {
  name?: string;
  builder_type?: string;
  platform?: string;
  artifacts: Artifact[];
}

/** One `gilt publish` of a version that completes as `name` (or stays running when name is null). */
function published(id: string, name: string | null, builds: BuildSpec[] = [{ artifacts: [{ external_id: `ami-${id}`, region: 'us-east-1' }] }], bucket = B): DomainEvent[] {
  const events: DomainEvent[] = [{ type: 'VersionStarted', bucket, version_id: id, fingerprint: `fp-${id}`, expected_builds: null }];
  builds.forEach((b, i) =>
    events.push({
      type: 'BuildCompleted',
      bucket,
      version_id: id,
      build: {
        build_id: `${id}-bld-${i}`,
        name: b.name ?? 'ubuntu',
        builder_type: b.builder_type ?? 'amazon-ebs',
        platform: b.platform ?? 'aws',
        packer_run_uuid: `run-${id}`,
        artifacts: b.artifacts,
        labels: {},
        source_external_id: null,
        parent_channel: null,
        parent_version_id: null,
        build_time: null,
      },
    }),
  );
  if (name) events.push({ type: 'VersionCompleted', bucket, version_id: id, name });
  return events;
}
const versionDeleted = (version_id: string, bucket = B): DomainEvent[] => [{ type: 'VersionDeleted', bucket, version_id }];
const channelCreated = (channel: string, bucket = B): DomainEvent => ({ type: 'ChannelCreated', bucket, channel, restricted: false });
const channelAssigned = (channel: string, version_id: string, previous_version_id: string | null = null, bucket = B): DomainEvent => ({
  type: 'ChannelAssigned',
  bucket,
  channel,
  version_id,
  previous_version_id,
  reason: null,
  promoted_from: null,
});

const latestOf = (m: RegistryReadModel, bucket = B) => m.channel(bucket, MANAGED_CHANNEL);

// ---- latest -------------------------------------------------------------------------------

describe('latest', () => {
  it('exists, empty and managed, as soon as the bucket does', () => {
    const m = feed([[bucketCreated()]]);
    expect(latestOf(m)).toMatchObject({ name: MANAGED_CHANNEL, managed: true, version_id: null, history: [] });
    expect(m.liveChannels(B).map((c) => c.name)).toEqual([MANAGED_CHANNEL]);
  });

  it('follows each completed version and records why it moved', () => {
    const m = feed([[bucketCreated()], published('ver-1', 'v1'), published('ver-run', null), published('ver-2', 'v2')]);
    expect(m.position).toBe(4);
    const latest = latestOf(m)!;
    expect(latest.version_id).toBe('ver-2');
    expect(latest.history).toEqual([
      { position: 2, at: at(2), actor: 'ci', action: 'assigned', version_id: 'ver-1', previous_version_id: null, reason: 'v1 completed', promoted_from: null, because_revocation_of: null },
      { position: 4, at: at(4), actor: 'ci', action: 'assigned', version_id: 'ver-2', previous_version_id: 'ver-1', reason: 'v2 completed', promoted_from: null, because_revocation_of: null },
    ]);
    expect(latest.updated_at).toBe(at(4));
  });

  it('follows a version completed in a later commit than its builds', () => {
    const m = feed([[bucketCreated()], published('ver-1', null), [{ type: 'VersionCompleted', bucket: B, version_id: 'ver-1', name: 'v1' }]]);
    expect(latestOf(m)?.version_id).toBe('ver-1');
    expect(latestOf(m)?.history.at(-1)).toMatchObject({ position: 3, reason: 'v1 completed' });
  });

  it('moves back when the version it points at is deleted, and empties when none is left', () => {
    const m = feed([[bucketCreated()], published('ver-1', 'v1'), published('ver-2', 'v2'), versionDeleted('ver-2')]);
    expect(latestOf(m)?.version_id).toBe('ver-1');
    expect(latestOf(m)?.history.at(-1)).toMatchObject({ position: 4, action: 'assigned', version_id: 'ver-1', previous_version_id: 'ver-2', reason: 'v2 deleted' });

    feed([versionDeleted('ver-1')], m);
    expect(latestOf(m)?.version_id).toBeNull();
    expect(latestOf(m)?.history.at(-1)).toMatchObject({ position: 5, action: 'unassigned', version_id: null, previous_version_id: 'ver-1', reason: 'v1 deleted' });
    expect(latestOf(m)?.history).toHaveLength(4);
  });

  it('does not move when an older version is deleted', () => {
    const m = feed([[bucketCreated()], published('ver-1', 'v1'), published('ver-2', 'v2'), versionDeleted('ver-1')]);
    expect(latestOf(m)?.version_id).toBe('ver-2');
    expect(latestOf(m)?.history).toHaveLength(2);
  });

  it('is not moved by channel commits', () => {
    const m = feed([[bucketCreated()], published('ver-1', 'v1'), published('ver-2', 'v2'), [channelCreated('prod'), channelAssigned('prod', 'ver-1')]]);
    expect(latestOf(m)?.version_id).toBe('ver-2');
    expect(latestOf(m)?.history).toHaveLength(2);
  });
});

// ---- user channels ------------------------------------------------------------------------

describe('channels', () => {
  const base = () =>
    feed([
      [bucketCreated()],
      published('ver-1', 'v1'),
      published('ver-2', 'v2'),
      [channelCreated('prod'), channelAssigned('prod', 'ver-2')],
      [channelCreated('dev'), channelAssigned('dev', 'ver-2')],
      [channelCreated('staging'), channelAssigned('staging', 'ver-1')],
    ]);

  it('channelsAssigned names the user channels on a version, never latest', () => {
    const m = base();
    expect(latestOf(m)?.version_id).toBe('ver-2');
    expect(m.channelsAssigned(B, 'ver-2')).toEqual(['dev', 'prod']);
    expect(m.channelsAssigned(B, 'ver-1')).toEqual(['staging']);
    expect(m.channelsAssigned(B, 'nope')).toEqual([]);
  });

  it('channelsAssigned forgets deleted and moved channels', () => {
    const m = feed(
      [
        [{ type: 'ChannelDeleted', bucket: B, channel: 'dev' }],
        [{ type: 'ChannelAssigned', bucket: B, channel: 'staging', version_id: 'ver-2', previous_version_id: 'ver-1', reason: null, promoted_from: 'prod' }],
      ],
      base(),
    );
    expect(m.channelsAssigned(B, 'ver-2')).toEqual(['prod', 'staging']);
    expect(m.channelsAssigned(B, 'ver-1')).toEqual([]);
    expect(m.channel(B, 'dev')).toBeUndefined();
    expect(m.channel(B, 'staging')?.history.at(-1)).toMatchObject({ action: 'assigned', promoted_from: 'prod', actor: 'ci', position: 8 });
  });

  it('lists live channels by name', () => {
    expect(base().liveChannels(B).map((c) => c.name)).toEqual(['dev', MANAGED_CHANNEL, 'prod', 'staging']);
  });
});

// ---- artifact search ----------------------------------------------------------------------

describe('searchArtifact', () => {
  const m = () =>
    feed([
      [bucketCreated()],
      published('ver-1', 'v1', [
        {
          artifacts: [
            { external_id: 'ami-111', region: 'us-east-1' },
            { external_id: 'ami-222', region: 'eu-west-1' },
          ],
        },
        { name: 'ubuntu', builder_type: 'docker', platform: 'docker', artifacts: [{ external_id: 'sha256:abc', region: '' }] },
      ]),
      [bucketCreated('other-bucket')],
      published('ver-9', 'v1', [{ builder_type: 'azure-arm', platform: 'azure', artifacts: [{ external_id: 'ami-111', region: 'us-east-1' }] }], 'other-bucket'),
      published('ver-run', null, [{ artifacts: [{ external_id: 'ami-333', region: 'us-west-2' }] }]),
    ]);

  it('finds an artifact by external id, with its bucket, version and build', () => {
    const hits = m().searchArtifact('ami-222');
    expect(hits).toHaveLength(1);
    expect(hits[0]!.ref).toEqual({ bucket: B, version_id: 'ver-1', build_id: 'ver-1-bld-0', external_id: 'ami-222', region: 'eu-west-1' });
    expect(hits[0]!.version.name).toBe('v1');
  });

  it('finds the same id in every bucket that has it, and narrows by region and platform', () => {
    const model = m();
    expect(model.searchArtifact('ami-111').map((h) => h.ref.bucket)).toEqual([B, 'other-bucket']);
    expect(model.searchArtifact('ami-111', { region: 'us-east-1' })).toHaveLength(2);
    expect(model.searchArtifact('ami-111', { region: 'eu-west-1' })).toEqual([]);
    expect(model.searchArtifact('ami-111', { platform: 'azure' }).map((h) => h.ref.version_id)).toEqual(['ver-9']);
    expect(model.searchArtifact('ami-111', { platform: 'aws', region: 'us-east-1' }).map((h) => h.ref.version_id)).toEqual(['ver-1']);
    expect(model.searchArtifact('sha256:abc', { platform: 'docker' }).map((h) => h.ref.build_id)).toEqual(['ver-1-bld-1']);
  });

  it('finds artifacts of running versions too (the build is done)', () => {
    expect(m().searchArtifact('ami-333').map((h) => h.version.status)).toEqual(['RUNNING']);
  });

  it('finds nothing for unknown ids, deleted versions or deleted buckets', () => {
    expect(m().searchArtifact('ami-nope')).toEqual([]);
    expect(feed([versionDeleted('ver-1')], m()).searchArtifact('ami-222')).toEqual([]);
    expect(feed([[{ type: 'BucketDeleted', bucket: 'other-bucket' }]], m()).searchArtifact('ami-111').map((h) => h.ref.bucket)).toEqual([B]);
  });
});

// ---- deleted buckets ----------------------------------------------------------------------

describe('a deleted bucket', () => {
  const m = () =>
    feed([
      [bucketCreated()],
      published('ver-1', 'v1'),
      published('ver-2', 'v2'),
      [channelCreated('prod'), channelAssigned('prod', 'ver-1')],
      [{ type: 'ChannelUnassigned', bucket: B, channel: 'prod', previous_version_id: 'ver-1', reason: null }],
      [{ type: 'BucketDeleted', bucket: B }],
    ]);

  it('hides its versions and channels', () => {
    const model = m();
    expect(model.bucket(B)).toBeUndefined();
    expect(model.liveBuckets()).toEqual([]);
    for (const ref of ['ver-1', 'fp-ver-1', 'v1', 'v2']) expect(model.version(B, ref)).toBeUndefined();
    expect(model.versions.has('ver-1')).toBe(false);
    expect(model.versions.has('ver-2')).toBe(false);
    expect(model.liveChannels(B)).toEqual([]);
    expect(model.channel(B, 'prod')).toBeUndefined();
    expect(model.channel(B, MANAGED_CHANNEL)).toBeUndefined();
    expect(model.channelsAssigned(B, 'ver-2')).toEqual([]);
  });

  it('comes back empty when re-created, with only a fresh latest', () => {
    const model = feed([[bucketCreated()]], m());
    expect(model.bucket(B)?.versions).toEqual([]);
    expect(model.liveChannels(B).map((c) => c.name)).toEqual([MANAGED_CHANNEL]);
    expect(latestOf(model)).toMatchObject({ version_id: null, history: [] });
    expect(model.version(B, 'v1')).toBeUndefined();
    feed([published('ver-3', 'v3')], model);
    expect(model.version(B, 'v3')?.id).toBe('ver-3');
    expect(latestOf(model)?.version_id).toBe('ver-3');
  });

  it('does not hide other buckets', () => {
    const model = feed([[bucketCreated('other-bucket')], published('ver-9', 'v1', undefined, 'other-bucket')], m());
    expect(model.liveBuckets().map((b) => b.name)).toEqual(['other-bucket']);
    expect(model.version('other-bucket', 'v1')?.id).toBe('ver-9');
  });
});

// ---- versions -----------------------------------------------------------------------------

describe('versions', () => {
  it('resolves id, fingerprint and name within a bucket only', () => {
    const model = feed([[bucketCreated()], published('ver-1', 'v1'), [bucketCreated('other-bucket')]]);
    expect(model.version(B, 'ver-1')?.id).toBe('ver-1');
    expect(model.version(B, 'fp-ver-1')?.id).toBe('ver-1');
    expect(model.version(B, 'v1')?.id).toBe('ver-1');
    expect(model.version('other-bucket', 'ver-1')).toBeUndefined();
    expect(model.version('missing', 'v1')).toBeUndefined();
  });

  it('keeps the version objects shared between the bucket and the global index', () => {
    const model = feed([[bucketCreated()], published('ver-1', 'v1')]);
    expect(model.versions.get('ver-1')).toBe(model.bucket(B)?.by_id.get('ver-1'));
    expect(model.versions.get('ver-1')).toMatchObject({ created_by: 'ci', created_at: at(2), completed_position: 2, completed_at: at(2) });
  });
});

// ---- determinism --------------------------------------------------------------------------

describe('determinism', () => {
  const history: DomainEvent[][] = [
    [bucketCreated()],
    published('ver-1', 'v1'),
    published('ver-2', 'v2', [
      { artifacts: [{ external_id: 'ami-a', region: 'us-east-1' }] },
      { name: 'arm', artifacts: [{ external_id: 'ami-b', region: 'us-east-1' }] },
    ]),
    [channelCreated('prod'), channelAssigned('prod', 'ver-1')],
    [{ type: 'ChannelAssigned', bucket: B, channel: 'prod', version_id: 'ver-2', previous_version_id: 'ver-1', reason: 'go', promoted_from: null }],
    [{ type: 'ChannelRolledBack', bucket: B, channel: 'prod', from_version_id: 'ver-2', to_version_id: 'ver-1', reason: 'bad', because_revocation_of: null }],
    [{ type: 'ChannelRestricted', bucket: B, channel: 'prod', restricted: true }],
    published('ver-3', 'v3'),
    versionDeleted('ver-3'),
    [bucketCreated('other-bucket')],
    published('ver-9', 'v1', undefined, 'other-bucket'),
    [{ type: 'BucketDeleted', bucket: 'other-bucket' }],
    [{ type: 'BucketUpdated', bucket: B, description: 'new', labels: { os: 'ubuntu' } }],
  ];
  const commits = history.map((events, i) => commit(i + 1, events, i % 2 ? 'alice' : 'ci'));

  it('replaying the same commits into a fresh model gives a deep-equal model', () => {
    const a = new RegistryReadModel();
    const b = new RegistryReadModel();
    for (const c of commits) a.apply(c);
    for (const c of commits) b.apply(structuredClone(c));
    expect(b).toStrictEqual(a);
    expect(b.position).toBe(commits.length);
    expect(b.searchArtifact('ami-b')).toEqual(a.searchArtifact('ami-b'));
    expect(JSON.stringify(b.channel(B, 'prod'))).toBe(JSON.stringify(a.channel(B, 'prod')));
  });

  it('a prefix of the log gives the state as of that position', () => {
    const full = new RegistryReadModel();
    for (const c of commits) full.apply(c);
    const asOf = new RegistryReadModel();
    for (const c of commits.slice(0, 5)) asOf.apply(c);
    expect(asOf.position).toBe(5);
    expect(asOf.channel(B, 'prod')?.version_id).toBe('ver-2');
    expect(full.channel(B, 'prod')?.version_id).toBe('ver-1');
    expect(full.channel(B, 'prod')?.restricted).toBe(true);
    expect(latestOf(full)?.version_id).toBe('ver-2');
    expect(latestOf(asOf)?.version_id).toBe('ver-2');
  });
});
