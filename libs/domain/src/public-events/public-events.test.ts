import { describe, expect, it } from '@jest/globals';
import { publicEventSchema, publicSubjectOf, publicTypeOf, type CloudEvent, type DomainEvent, type StoredCommit } from '@gilt/contracts';
import { schemaErrors } from '@gilt/testing';
import { RegistryReadModel } from '../read-model/registry-read-model.js';
import { toPublicEvents } from './public-events.js';

const B = 'ubuntu-base';
const at = (position: number) => new Date(Date.UTC(2024, 0, 1) + position * 60_000).toISOString();

function commit(position: number, stream: string, events: DomainEvent[], actor = 'ci'): StoredCommit {
  return {
    position,
    stream,
    events,
    meta: { command_id: `cmd-${position}`, actor, occurred_at: at(position), correlation_id: `c-${position}`, causation_id: null, schema_version: 1 },
    prev_hash: '',
    hash: '',
  };
}

function published(id: string, name: string, opts: { source?: string; bucket?: string } = {}): DomainEvent[] {
  const bucket = opts.bucket ?? B;
  return [
    { type: 'VersionStarted', bucket, version_id: id, fingerprint: `fp-${id}`, expected_builds: null },
    {
      type: 'BuildCompleted',
      bucket,
      version_id: id,
      build: {
        build_id: `b-${id}`,
        name: 'amazon-ebs.ubuntu',
        builder_type: 'amazon-ebs',
        platform: 'aws',
        packer_run_uuid: `run-${id}`,
        artifacts: [{ external_id: `ami-${id}`, region: 'us-east-1' }],
        labels: {},
        source_external_id: opts.source ?? null,
        parent_channel: null,
        parent_version_id: null,
        build_time: null,
      },
    },
    { type: 'VersionCompleted', bucket, version_id: id, name },
  ];
}

const assigned = (channel: string, version_id: string, previous_version_id: string | null, promoted_from: string | null = null): DomainEvent => ({
  type: 'ChannelAssigned',
  bucket: B,
  channel,
  version_id,
  previous_version_id,
  reason: promoted_from ? 'release' : 'deploy',
  promoted_from,
});
const revokeOpts = { reason: 'CVE', revocation_type: 'MANUAL' as const, inherited_from: null, skip_descendants: false, disable_rollback: false };

/** A history touching every public type, as [stream, events] per commit. */
const HISTORY: [string, DomainEvent[]][] = [
  [`bucket.${B}`, [{ type: 'BucketCreated', bucket: B, description: 'Ubuntu', labels: { team: 'platform' } }]],
  [`bucket.${B}`, published('V1', 'v1')],
  [`bucket.${B}`, published('V2', 'v2')],
  [`channel.${B}.staging`, [{ type: 'ChannelCreated', bucket: B, channel: 'staging', restricted: false }, assigned('staging', 'V2', null)]],
  [`channel.${B}.prod`, [{ type: 'ChannelCreated', bucket: B, channel: 'prod', restricted: true }, assigned('prod', 'V1', null)]],
  [`channel.${B}.prod`, [assigned('prod', 'V2', 'V1', 'staging')]],
  [`channel.${B}.prod`, [{ type: 'ChannelRolledBack', bucket: B, channel: 'prod', from_version_id: 'V2', to_version_id: 'V1', reason: 'bad deploy', because_revocation_of: null }]],
  [`revocation.V2`, [{ type: 'RevocationScheduled', bucket: B, version_id: 'V2', revoke_at: at(100), ...revokeOpts }]],
  [`revocation.V2`, [{ type: 'RevocationCancelled', bucket: B, version_id: 'V2', reason: 'false alarm' }]],
  [`revocation.V2`, [{ type: 'VersionRevoked', bucket: B, version_id: 'V2', revoked_at: at(10), ...revokeOpts, channel_rollbacks: [{ bucket: B, channel: 'staging', to_version_id: null }] }]],
  [`channel.${B}.staging`, [{ type: 'ChannelRolledBack', bucket: B, channel: 'staging', from_version_id: 'V2', to_version_id: null, reason: 'v2 revoked', because_revocation_of: 'V2' }]],
  [`revocation.V2`, [{ type: 'VersionRestored', bucket: B, version_id: 'V2', reason: 'fixed upstream', restored_with: null }]],
  [`channel.${B}.prod`, [{ type: 'ChannelUnassigned', bucket: B, channel: 'prod', previous_version_id: 'V1', reason: 'retired' }]],
  [`webhook.W1`, [{ type: 'WebhookDeleted', webhook_id: 'W1' }]],
  [`bucket.app`, [{ type: 'BucketCreated', bucket: 'app', description: '', labels: {} }]],
  [`bucket.app`, published('A1', 'v1', { bucket: 'app', source: 'ami-V1' })],
  [`bucket.${B}`, [{ type: 'BucketDeleted', bucket: B }]],
];

/** Replays HISTORY, mapping each commit after it is applied, with the model's clock at the commit's time. */
function replay(): { position: number; events: CloudEvent[] }[] {
  let now = 0;
  const model = new RegistryReadModel(() => now);
  return HISTORY.map(([stream, events], i) => {
    const c = commit(i + 1, stream, events, i === 5 ? 'release-bot' : 'ci');
    now = Date.parse(c.meta.occurred_at);
    model.apply(c);
    return { position: c.position, events: toPublicEvents(c, model) };
  });
}

const summary = (e: CloudEvent) => `${publicTypeOf(e.type)} ${publicSubjectOf(e)}`;

describe('toPublicEvents', () => {
  const perCommit = replay();
  const all = perCommit.flatMap((c) => c.events);
  const at_ = (position: number) => perCommit[position - 1]!.events;

  it('maps every change that matters outside, in log order, to its type and subject', () => {
    expect(perCommit.map((c) => c.events.map(summary))).toEqual([
      ['bucket.created gilt.public.v1.bucket.created.ubuntu-base'],
      ['version.completed gilt.public.v1.version.completed.ubuntu-base', 'channel.assigned gilt.public.v1.channel.assigned.ubuntu-base.latest'],
      ['version.completed gilt.public.v1.version.completed.ubuntu-base', 'channel.assigned gilt.public.v1.channel.assigned.ubuntu-base.latest'],
      ['channel.assigned gilt.public.v1.channel.assigned.ubuntu-base.staging'],
      ['channel.assigned gilt.public.v1.channel.assigned.ubuntu-base.prod'],
      ['channel.promoted gilt.public.v1.channel.promoted.ubuntu-base.prod', 'channel.assigned gilt.public.v1.channel.assigned.ubuntu-base.prod'],
      ['channel.rolled_back gilt.public.v1.channel.rolled_back.ubuntu-base.prod', 'channel.assigned gilt.public.v1.channel.assigned.ubuntu-base.prod'],
      ['version.revocation_scheduled gilt.public.v1.version.revocation_scheduled.ubuntu-base'],
      ['version.revocation_cancelled gilt.public.v1.version.revocation_cancelled.ubuntu-base'],
      ['version.revoked gilt.public.v1.version.revoked.ubuntu-base', 'channel.assigned gilt.public.v1.channel.assigned.ubuntu-base.latest'],
      ['channel.rolled_back gilt.public.v1.channel.rolled_back.ubuntu-base.staging', 'channel.emptied gilt.public.v1.channel.emptied.ubuntu-base.staging'],
      ['version.restored gilt.public.v1.version.restored.ubuntu-base', 'channel.assigned gilt.public.v1.channel.assigned.ubuntu-base.latest'],
      ['channel.emptied gilt.public.v1.channel.emptied.ubuntu-base.prod'],
      [],
      ['bucket.created gilt.public.v1.bucket.created.app'],
      ['version.completed gilt.public.v1.version.completed.app', 'channel.assigned gilt.public.v1.channel.assigned.app.latest'],
      ['bucket.deleted gilt.public.v1.bucket.deleted.ubuntu-base'],
    ]);
  });

  it('gives CloudEvents 1.0 envelopes with ids <position>-<index> and the commit time', () => {
    const [completed, latest] = at_(2);
    expect(completed).toMatchObject({
      specversion: '1.0',
      id: '2-0',
      source: '/gilt',
      type: 'gilt.version.completed',
      subject: 'buckets/ubuntu-base/versions/v1',
      time: at(2),
      datacontenttype: 'application/json',
    });
    expect(latest!.id).toBe('2-1');
    expect(new Set(all.map((e) => e.id)).size).toBe(all.length);
    expect(toPublicEvents(commit(1, `bucket.${B}`, HISTORY[0]![1]), new RegistryReadModel(), '/gilt/acme')[0]!.source).toBe('/gilt/acme');
  });

  it('describes a completed version with its builds, artifacts and the parent found by source image', () => {
    expect(at_(2)[0]!.data).toEqual({
      bucket: { name: B },
      version: { id: 'V1', name: 'v1', fingerprint: 'fp-V1', status: 'ACTIVE', created_at: at(2), completed_at: at(2) },
      builds: [
        {
          name: 'amazon-ebs.ubuntu',
          builder_type: 'amazon-ebs',
          platform: 'aws',
          status: 'DONE',
          artifacts: [{ external_id: 'ami-V1', region: 'us-east-1' }],
          source_external_id: null,
          parent: null,
        },
      ],
      artifacts: [{ build: 'amazon-ebs.ubuntu', platform: 'aws', external_id: 'ami-V1', region: 'us-east-1' }],
      actor: 'ci',
    });
    expect((at_(16)[0]!.data as any).builds[0].parent).toEqual({ bucket: B, version_id: 'V1', version: 'v1' });
    expect(at_(2)[1]!.data).toMatchObject({ channel: { name: 'latest', managed: true }, cause: 'latest', reason: 'v1 completed', previous_version: null });
  });

  it('publishes a promotion as channel.promoted and as channel.assigned, so prod subscribers see every change', () => {
    const [promoted, assignedToo] = at_(6);
    expect(promoted!.data).toMatchObject({
      channel: { name: 'prod', restricted: true, managed: false },
      version: { name: 'v2' },
      previous_version: { id: 'V1', name: 'v1', fingerprint: 'fp-V1' },
      promoted_from: 'staging',
      reason: 'release',
      actor: 'release-bot',
      artifacts: [{ external_id: 'ami-V2' }],
    });
    expect(assignedToo!.data).toMatchObject({ cause: 'promoted', promoted_from: 'staging', version: { name: 'v2' } });
    expect(at_(5)[0]!.data).toMatchObject({ cause: 'assigned', promoted_from: null, previous_version: null });
  });

  it('publishes a rollback as channel.rolled_back followed by channel.assigned, or channel.emptied when nothing is left', () => {
    expect(at_(7)[0]!.data).toMatchObject({ version: { name: 'v1' }, previous_version: { name: 'v2' }, because_revocation_of: null, reason: 'bad deploy' });
    expect(at_(7)[1]!.data).toMatchObject({ cause: 'rolled_back', version: { name: 'v1' } });
    expect(at_(11)[0]!.data).toMatchObject({ version: null, artifacts: [], because_revocation_of: { id: 'V2', name: 'v2' } });
    expect(at_(11)[1]!.data).toMatchObject({ cause: 'rolled_back', previous_version: { name: 'v2' } });
    expect(at_(13)[0]!.data).toMatchObject({ cause: 'unassigned', previous_version: { name: 'v1' }, reason: 'retired' });
  });

  it('describes revocations with the status they caused and the channels they moved', () => {
    expect(at_(8)[0]!.data).toMatchObject({
      version: { name: 'v2', status: 'REVOCATION_SCHEDULED' },
      revocation: { kind: 'MANUAL', reason: 'CVE', revoke_at: at(100), with_descendants: true, rollback_channels: true, inherited_from: null },
    });
    expect(at_(9)[0]!.data).toMatchObject({ version: { status: 'ACTIVE' }, reason: 'false alarm' });
    expect(at_(10)[0]!.data).toMatchObject({
      version: { status: 'REVOKED' },
      revocation: { revoke_at: at(10) },
      channels_rolled_back: [{ bucket: B, channel: 'staging', to_version: null }],
    });
    expect(at_(10)[1]!.data).toMatchObject({ channel: { name: 'latest' }, version: { name: 'v1' }, previous_version: { name: 'v2' }, reason: 'v2 revoked' });
    expect(at_(12)[0]!.data).toMatchObject({ version: { status: 'ACTIVE' }, restored_with: null });
    expect(at_(12)[1]!.data).toMatchObject({ version: { name: 'v2' }, reason: 'v2 restored' });
  });

  it('ignores webhook events and says nothing about a bucket beyond its deletion', () => {
    expect(at_(14)).toEqual([]);
    expect(at_(17)[0]!.data).toEqual({ bucket: { name: B }, actor: 'ci' });
  });

  it('is deterministic: a second replay gives the same events', () => {
    expect(replay()).toEqual(perCommit);
  });

  it('gives events that conform to their JSON Schemas and name no field the schema lacks', () => {
    for (const e of all) expect({ id: e.id, errors: schemaErrors(publicEventSchema(publicTypeOf(e.type)!), e, { closed: true }) }).toEqual({ id: e.id, errors: [] });
  });
});
