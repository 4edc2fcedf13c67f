import { describe, it, expect } from '@jest/globals';
import type { Artifact, BuildRecord, ChannelRef, DomainEvent, StoredCommit } from '@gilt/contracts';
import { RegistryReadModel } from '../read-model/registry-read-model.js';
import { ancestryOf, relatives, worstStatus } from './relatives.js';

// ---- hand-made log ------------------------------------------------------------------------

function commit(position: number, events: DomainEvent[]): StoredCommit {
  return {
    position,
    stream: 'test',
    events,
    meta: { command_id: `cmd-${position}`, actor: 'ci', occurred_at: new Date(Date.UTC(2024, 0, 1) + position * 60_000).toISOString(), correlation_id: 'c', causation_id: null, schema_version: 1 },
    prev_hash: '',
    hash: '',
  };
}

class Log {
  readonly model = new RegistryReadModel();
  add(...events: DomainEvent[]): this {
    this.model.apply(commit(this.model.position + 1, events));
    return this;
  }
  version(id: string) {
    return this.model.versions.get(id)!;
  }
}

interface BuildSpec {
  name?: string;
  artifacts: Artifact[];
  source?: string;
  parentVersion?: string;
  channel?: ChannelRef;
}

const bucket = (name: string): DomainEvent => ({ type: 'BucketCreated', bucket: name, description: '', labels: {} });

function build(id: string, i: number, b: BuildSpec): BuildRecord {
  return {
    build_id: `${id}-${i}`,
    name: b.name ?? `build-${i}`,
    builder_type: 'amazon-ebs',
    platform: 'aws',
    packer_run_uuid: `run-${id}`,
    artifacts: b.artifacts,
    labels: {},
    source_external_id: b.source ?? null,
    parent_channel: b.channel ?? null,
    parent_version_id: b.parentVersion ?? null,
    build_time: null,
  };
}

/** One publish: the version starts, its builds complete, and it completes as `name` (null: stays running). */
function version(bucketName: string, id: string, name: string | null, builds: BuildSpec[]): DomainEvent[] {
  return [
    { type: 'VersionStarted', bucket: bucketName, version_id: id, fingerprint: `fp-${id}`, expected_builds: null },
    ...builds.map((b, i): DomainEvent => ({ type: 'BuildCompleted', bucket: bucketName, version_id: id, build: build(id, i, b) })),
    ...(name ? [{ type: 'VersionCompleted', bucket: bucketName, version_id: id, name } as DomainEvent] : []),
  ];
}

const ami = (id: string): Artifact => ({ external_id: id, region: 'us-east-1' });
const channelCreated = (b: string, channel: string): DomainEvent => ({ type: 'ChannelCreated', bucket: b, channel, restricted: false });
const assigned = (b: string, channel: string, version_id: string): DomainEvent => ({
  type: 'ChannelAssigned',
  bucket: b,
  channel,
  version_id,
  previous_version_id: null,
  reason: null,
  promoted_from: null,
});
const revoked = (b: string, version_id: string): DomainEvent => ({
  type: 'VersionRevoked',
  bucket: b,
  version_id,
  revoked_at: '2024-01-01T00:00:00Z',
  reason: 'CVE',
  revocation_type: 'MANUAL',
  inherited_from: null,
  skip_descendants: true,
  disable_rollback: false,
  channel_rollbacks: [],
});

/** base v1 ← app v1 ← web v1, each child naming its parent by the parent's AMI. */
function lineage(): Log {
  return new Log()
    .add(bucket('base'), bucket('app'), bucket('web'))
    .add(...version('base', 'b1', 'v1', [{ artifacts: [ami('ami-b1')] }]))
    .add(...version('app', 'a1', 'v1', [{ artifacts: [ami('ami-a1')], source: 'ami-b1' }]))
    .add(...version('web', 'w1', 'v1', [{ artifacts: [ami('ami-w1')], source: 'ami-a1' }]));
}

// ---- status -------------------------------------------------------------------------------

describe('status of a child against a parent matched by external id (judged by latest)', () => {
  it('is UP_TO_DATE while the parent bucket’s latest serves the parent', () => {
    const log = lineage();
    const [p] = relatives(log.model, log.version('a1'), 'parents', 1);
    expect(p).toEqual({
      bucket: 'base',
      version: { id: 'b1', name: 'v1', fingerprint: 'fp-b1', status: 'ACTIVE' },
      depth: 1,
      via: 'a1',
      status: 'UP_TO_DATE',
      channel: null,
      channel_version: { id: 'b1', name: 'v1', fingerprint: 'fp-b1' },
      builds: [{ name: 'build-0', builder_type: 'amazon-ebs', source_external_id: 'ami-b1', channel: null, status: 'UP_TO_DATE' }],
    });
  });

  it('is OUT_OF_DATE once a newer parent version completes, and says which', () => {
    const log = lineage().add(...version('base', 'b2', 'v2', [{ artifacts: [ami('ami-b2')] }]));
    const [p] = relatives(log.model, log.version('a1'), 'parents', 1);
    expect(p).toMatchObject({ version: { id: 'b1' }, status: 'OUT_OF_DATE', channel: null, channel_version: { id: 'b2', name: 'v2' } });
    // Seen from the parent, the child carries the same status.
    const [c] = relatives(log.model, log.version('b1'), 'children', 1);
    expect(c).toMatchObject({ bucket: 'app', version: { id: 'a1' }, via: 'b1', status: 'OUT_OF_DATE' });
  });

  it('is OUT_OF_DATE when latest moved back because the parent was revoked', () => {
    const log = new Log()
      .add(bucket('base'), bucket('app'))
      .add(...version('base', 'b0', 'v1', [{ artifacts: [ami('ami-b0')] }]))
      .add(...version('base', 'b1', 'v2', [{ artifacts: [ami('ami-b1')] }]))
      .add(...version('app', 'a1', 'v1', [{ artifacts: [ami('ami-a1')], source: 'ami-b1' }]))
      .add(revoked('base', 'b1'));
    const [p] = relatives(log.model, log.version('a1'), 'parents', 1);
    expect(p).toMatchObject({ version: { id: 'b1', status: 'REVOKED' }, status: 'OUT_OF_DATE', channel_version: { id: 'b0' } });
  });

  it('is UNDETERMINED when latest is empty', () => {
    const log = lineage().add(revoked('base', 'b1'));
    expect(relatives(log.model, log.version('a1'), 'parents', 1)[0]).toMatchObject({ status: 'UNDETERMINED', channel_version: null });
  });

  it('is UNDETERMINED when the parent never completed (it was never in latest)', () => {
    const log = lineage()
      .add(...version('base', 'b2', 'v2', [{ artifacts: [ami('ami-b2')] }]))
      .add(...version('base', 'b3', null, [{ artifacts: [ami('ami-b3')] }]))
      .add(...version('app', 'a2', 'v2', [{ artifacts: [ami('ami-a2')], source: 'ami-b3' }]));
    expect(relatives(log.model, log.version('a2'), 'parents', 1)[0]).toMatchObject({ version: { id: 'b3', name: 'v0', status: 'RUNNING' }, status: 'UNDETERMINED' });
  });
});

describe('status of a child against a parent taken through a channel', () => {
  /** base v1 and v2; prod serves v1; app v1 was built from prod. */
  function throughProd(): Log {
    return new Log()
      .add(bucket('base'), bucket('app'))
      .add(...version('base', 'b1', 'v1', [{ artifacts: [ami('ami-b1')] }]))
      .add(...version('base', 'b2', 'v2', [{ artifacts: [ami('ami-b2')] }]))
      .add(channelCreated('base', 'prod'), assigned('base', 'prod', 'b1'))
      .add(...version('app', 'a1', 'v1', [{ artifacts: [ami('ami-a1')], parentVersion: 'b1', channel: { bucket: 'base', channel: 'prod' } }]));
  }

  it('is UP_TO_DATE while the channel serves the parent, even though latest has moved on', () => {
    const log = throughProd();
    expect(relatives(log.model, log.version('a1'), 'parents', 1)).toEqual([
      expect.objectContaining({
        version: expect.objectContaining({ id: 'b1' }),
        status: 'UP_TO_DATE',
        channel: { bucket: 'base', channel: 'prod' },
        channel_version: { id: 'b1', name: 'v1', fingerprint: 'fp-b1' },
        builds: [{ name: 'build-0', builder_type: 'amazon-ebs', source_external_id: null, channel: { bucket: 'base', channel: 'prod' }, status: 'UP_TO_DATE' }],
      }),
    ]);
  });

  it('is OUT_OF_DATE when the channel serves another version', () => {
    const log = throughProd().add(assigned('base', 'prod', 'b2'));
    expect(relatives(log.model, log.version('a1'), 'parents', 1)[0]).toMatchObject({ status: 'OUT_OF_DATE', channel: { bucket: 'base', channel: 'prod' }, channel_version: { id: 'b2' } });
  });

  it('is UNDETERMINED when the channel is empty or deleted', () => {
    const emptied = throughProd().add({ type: 'ChannelUnassigned', bucket: 'base', channel: 'prod', previous_version_id: 'b1', reason: null });
    expect(relatives(emptied.model, emptied.version('a1'), 'parents', 1)[0]).toMatchObject({ status: 'UNDETERMINED', channel_version: null });
    const deleted = throughProd().add({ type: 'ChannelDeleted', bucket: 'base', channel: 'prod' });
    expect(relatives(deleted.model, deleted.version('a1'), 'parents', 1)[0]).toMatchObject({ status: 'UNDETERMINED', channel: { bucket: 'base', channel: 'prod' } });
  });

  it('judges by latest when the recorded channel belongs to another bucket than the matched parent', () => {
    const log = new Log()
      .add(bucket('base'), bucket('other'), bucket('app'))
      .add(...version('base', 'b1', 'v1', [{ artifacts: [ami('ami-b1')] }]))
      .add(...version('other', 'o1', 'v1', [{ artifacts: [ami('ami-o1')] }]))
      .add(channelCreated('other', 'prod'), assigned('other', 'prod', 'o1'))
      .add(...version('app', 'a1', 'v1', [{ artifacts: [ami('ami-a1')], source: 'ami-b1', parentVersion: 'o1', channel: { bucket: 'other', channel: 'prod' } }]))
      .add(...version('base', 'b2', 'v2', [{ artifacts: [ami('ami-b2')] }]));
    const byBucket = Object.fromEntries(relatives(log.model, log.version('a1'), 'parents', 1).map((r) => [r.bucket, r]));
    expect(byBucket.other).toMatchObject({ status: 'UP_TO_DATE', channel: { bucket: 'other', channel: 'prod' } });
    expect(byBucket.base).toMatchObject({ status: 'OUT_OF_DATE', channel: null, channel_version: { id: 'b2' }, builds: [{ channel: null, status: 'OUT_OF_DATE' }] });
  });
});

describe('several builds linking the same two versions', () => {
  it('lists every linking build and reports the worst, with the channel that decided it', () => {
    const log = new Log()
      .add(bucket('base'), bucket('app'))
      .add(...version('base', 'b1', 'v1', [{ artifacts: [ami('ami-b1'), { external_id: '/images/base-1', region: '' }] }]))
      .add(channelCreated('base', 'prod'), assigned('base', 'prod', 'b1'))
      .add(
        ...version('app', 'a1', 'v1', [
          { name: 'amazon-ebs.app', artifacts: [ami('ami-a1')], parentVersion: 'b1', channel: { bucket: 'base', channel: 'prod' } },
          { name: 'azure-arm.app', artifacts: [{ external_id: '/images/app-1', region: '' }], source: '/images/base-1' },
          { name: 'docker.app', artifacts: [{ external_id: 'sha256:aa', region: '' }], source: 'sha256:unrelated' },
        ]),
      )
      .add(...version('base', 'b2', 'v2', [{ artifacts: [ami('ami-b2')] }]));
    const parents = relatives(log.model, log.version('a1'), 'parents', 1);
    expect(parents).toHaveLength(1);
    expect(parents[0]).toMatchObject({
      status: 'OUT_OF_DATE',
      channel: null,
      channel_version: { id: 'b2' },
      builds: [
        { name: 'amazon-ebs.app', status: 'UP_TO_DATE', channel: { bucket: 'base', channel: 'prod' } },
        { name: 'azure-arm.app', status: 'OUT_OF_DATE', channel: null, source_external_id: '/images/base-1' },
      ],
    });
  });
});

// ---- depth --------------------------------------------------------------------------------

describe('depth', () => {
  it('walks parents and children across buckets to the depth asked, nearest first, with via', () => {
    const log = lineage();
    expect(relatives(log.model, log.version('w1'), 'parents', 1).map((r) => [r.bucket, r.version.id, r.depth, r.via])).toEqual([['app', 'a1', 1, 'w1']]);
    expect(relatives(log.model, log.version('w1'), 'parents', 2).map((r) => [r.bucket, r.version.id, r.depth, r.via])).toEqual([
      ['app', 'a1', 1, 'w1'],
      ['base', 'b1', 2, 'a1'],
    ]);
    expect(relatives(log.model, log.version('b1'), 'children', 10).map((r) => [r.bucket, r.version.id, r.depth, r.via])).toEqual([
      ['app', 'a1', 1, 'b1'],
      ['web', 'w1', 2, 'a1'],
    ]);
  });

  it('judges each edge on its own: a grandchild can be up to date with its parent while that one is out of date', () => {
    const log = lineage().add(...version('base', 'b2', 'v2', [{ artifacts: [ami('ami-b2')] }]));
    expect(relatives(log.model, log.version('b1'), 'children', 2).map((r) => [r.version.id, r.status])).toEqual([
      ['a1', 'OUT_OF_DATE'],
      ['w1', 'UP_TO_DATE'],
    ]);
  });

  it('lists a version reached twice (a diamond) once, at its nearest depth, and survives a cycle', () => {
    // d1 is built from both c1 and b1; c1 is built from b1.
    const log = new Log()
      .add(bucket('bbb'), bucket('ccc'), bucket('ddd'))
      .add(...version('bbb', 'b1', 'v1', [{ artifacts: [ami('ami-b1')] }]))
      .add(...version('ccc', 'c1', 'v1', [{ artifacts: [ami('ami-c1')], source: 'ami-b1' }]))
      .add(...version('ddd', 'd1', 'v1', [{ artifacts: [ami('ami-d1')], source: 'ami-c1' }, { artifacts: [ami('ami-d2')], source: 'ami-b1' }]));
    expect(relatives(log.model, log.version('b1'), 'children', 5).map((r) => [r.version.id, r.depth])).toEqual([
      ['c1', 1],
      ['d1', 1],
    ]);
    // A version whose own artifact is its source (bad data) is not its own parent.
    const cyclic = new Log().add(bucket('bbb')).add(...version('bbb', 'x1', 'v1', [{ artifacts: [ami('ami-x')], source: 'ami-x' }]));
    expect(relatives(cyclic.model, cyclic.version('x1'), 'parents', 10)).toEqual([]);
  });

  it('forgets deleted versions', () => {
    const log = lineage().add({ type: 'VersionDeleted', bucket: 'app', version_id: 'a1' });
    expect(relatives(log.model, log.version('b1'), 'children', 3)).toEqual([]);
    expect(relatives(log.model, log.version('w1'), 'parents', 3)).toEqual([]);
  });
});

// ---- the whole answer ---------------------------------------------------------------------

describe('ancestryOf', () => {
  it('answers both directions by default, with the version’s worst status against its direct parents', () => {
    const log = lineage().add(...version('base', 'b2', 'v2', [{ artifacts: [ami('ami-b2')] }]));
    const a = ancestryOf(log.model, log.version('a1'), 'both', 1);
    expect(a.version).toEqual({ bucket: 'app', id: 'a1', name: 'v1', fingerprint: 'fp-a1', status: 'ACTIVE' });
    expect(a.status).toBe('OUT_OF_DATE');
    expect(a.parents?.map((p) => p.version.id)).toEqual(['b1']);
    expect(a.children?.map((c) => c.version.id)).toEqual(['w1']);
  });

  it('leaves out the direction not asked for, but still gives the status', () => {
    const log = lineage();
    const children = ancestryOf(log.model, log.version('a1'), 'children', 1);
    expect(children).not.toHaveProperty('parents');
    expect(children.status).toBe('UP_TO_DATE');
    expect(ancestryOf(log.model, log.version('a1'), 'parents', 1)).not.toHaveProperty('children');
  });

  it('has no status for a version without parents, and shows revocation in the version status', () => {
    const log = lineage().add(revoked('base', 'b1'));
    const a = ancestryOf(log.model, log.version('b1'), 'both', 1);
    expect(a.status).toBeNull();
    expect(a.version.status).toBe('REVOKED');
    expect(a.parents).toEqual([]);
  });
});

describe('worstStatus', () => {
  it('ranks OUT_OF_DATE over UNDETERMINED over UP_TO_DATE; null for nothing', () => {
    expect(worstStatus([])).toBeNull();
    expect(worstStatus(['UP_TO_DATE'])).toBe('UP_TO_DATE');
    expect(worstStatus(['UP_TO_DATE', 'UNDETERMINED'])).toBe('UNDETERMINED');
    expect(worstStatus(['UNDETERMINED', 'OUT_OF_DATE', 'UP_TO_DATE'])).toBe('OUT_OF_DATE');
  });
});
