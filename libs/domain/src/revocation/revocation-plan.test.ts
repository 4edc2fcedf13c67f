import { describe, it, expect } from '@jest/globals';
import type { DomainEvent, StoredCommit } from '@gilt/contracts';
import { RegistryReadModel } from '../read-model/registry-read-model.js';
import { planRevocation } from './revocation-plan.js';

// ---- a registry: base v1, v2 (tip); app and web built on base v2; svc built on both app and web (a diamond)

let position = 0;
function apply(model: RegistryReadModel, events: DomainEvent[]): void {
  position++;
  const commit: StoredCommit = {
    position,
    stream: 'test',
    events,
    meta: { command_id: `cmd-${position}`, actor: 'ci', occurred_at: new Date(Date.UTC(2024, 0, 1) + position * 1000).toISOString(), correlation_id: 'c', causation_id: null, schema_version: 1 },
    prev_hash: '',
    hash: '',
  };
  model.apply(commit);
}

/** A complete version whose builds start from `sources` (one build per source, or one without). */
function publish(model: RegistryReadModel, bucket: string, id: string, name: string, sources: string[] = []): void {
  const builds = (sources.length ? sources : [null]).map((source, i): DomainEvent => ({
    type: 'BuildCompleted',
    bucket,
    version_id: id,
    build: {
      build_id: `${id}-${i}`,
      name: `b${i}`,
      builder_type: 'amazon-ebs',
      platform: 'aws',
      packer_run_uuid: 'run',
      artifacts: [{ external_id: `ami-${id}`, region: 'us-east-1' }],
      labels: {},
      source_external_id: source,
      parent_channel: null,
      parent_version_id: null,
      build_time: null,
    },
  }));
  apply(model, [{ type: 'VersionStarted', bucket, version_id: id, fingerprint: `fp-${id}`, expected_builds: null }, ...builds, { type: 'VersionCompleted', bucket, version_id: id, name }]);
}

function assign(model: RegistryReadModel, bucket: string, channel: string, ...versions: string[]): void {
  apply(model, [{ type: 'ChannelCreated', bucket, channel, restricted: false }]);
  let previous: string | null = null;
  for (const version_id of versions) {
    apply(model, [{ type: 'ChannelAssigned', bucket, channel, version_id, previous_version_id: previous, reason: null, promoted_from: null }]);
    previous = version_id;
  }
}

function registry(): RegistryReadModel {
  const model = new RegistryReadModel();
  for (const b of ['base', 'app', 'web', 'svc']) apply(model, [{ type: 'BucketCreated', bucket: b, description: '', labels: {} }]);
  publish(model, 'base', 'base-1', 'v1');
  publish(model, 'base', 'base-2', 'v2');
  publish(model, 'app', 'app-1', 'v1', ['ami-base-2']);
  publish(model, 'web', 'web-1', 'v1', ['ami-base-1']);
  publish(model, 'web', 'web-2', 'v2', ['ami-base-2']);
  publish(model, 'svc', 'svc-1', 'v1', ['ami-app-1', 'ami-web-2']);
  assign(model, 'base', 'prod', 'base-1', 'base-2');
  // web prod had web-1 then web-2; web-1 is built on base-1, which is not being revoked: a valid target.
  assign(model, 'web', 'prod', 'web-1', 'web-2');
  // svc prod only ever had svc-1: it is left empty.
  assign(model, 'svc', 'prod', 'svc-1');
  return model;
}

const root = (model: RegistryReadModel) => model.version('base', 'v2')!;

describe('planRevocation', () => {
  it('takes every descendant in every bucket once (diamond included), nearest first, with the version it was reached from', () => {
    const model = registry();
    const plan = planRevocation(model, root(model), { skip_descendants: false, disable_rollback: false });
    expect(plan.affected.map((a) => [a.version_id, a.depth, a.type, a.via])).toEqual([
      ['base-2', 0, 'MANUAL', null],
      ['app-1', 1, 'INHERITED', 'base-2'],
      ['web-2', 1, 'INHERITED', 'base-2'],
      ['svc-1', 2, 'INHERITED', 'app-1'],
    ]);
  });

  it('rolls channels back to their previous valid version, never onto a version of the same cascade, and says which are left empty', () => {
    const model = registry();
    const plan = planRevocation(model, root(model), { skip_descendants: false, disable_rollback: false });
    expect(plan.channel_rollbacks.map((r) => [`${r.bucket}:${r.channel}`, r.from_version_id, r.to_version_id, r.empty, r.managed])).toEqual([
      ['base:prod', 'base-2', 'base-1', false, false],
      ['web:prod', 'web-2', 'web-1', false, false],
      ['svc:prod', 'svc-1', null, true, false],
      ['base:latest', 'base-2', 'base-1', false, true],
      ['app:latest', 'app-1', null, true, true],
      ['web:latest', 'web-2', 'web-1', false, true],
      ['svc:latest', 'svc-1', null, true, true],
    ]);
    expect(plan.channels_not_rolled_back).toEqual([]);
  });

  it('does not roll a channel back onto a descendant that is about to be revoked', () => {
    const model = registry();
    // app prod: app-1 (built on base-2) was assigned before app-2; both descend from base-2.
    publish(model, 'app', 'app-2', 'v2', ['ami-base-2']);
    assign(model, 'app', 'prod', 'app-1', 'app-2');
    const plan = planRevocation(model, root(model), { skip_descendants: false, disable_rollback: false });
    expect(plan.channel_rollbacks.find((r) => r.bucket === 'app' && r.channel === 'prod')).toMatchObject({ from_version_id: 'app-2', to_version_id: null, empty: true });
    // Without descendants, app-1 is still valid and is the target.
    const own = planRevocation(model, root(model), { skip_descendants: true, disable_rollback: false });
    expect(own.affected.map((a) => a.version_id)).toEqual(['base-2']);
    expect(own.channel_rollbacks.filter((r) => !r.managed).map((r) => `${r.bucket}:${r.channel}`)).toEqual(['base:prod']);
  });

  it('lists the channels it would leave alone when rollback is disabled (latest still moves)', () => {
    const model = registry();
    const plan = planRevocation(model, root(model), { skip_descendants: false, disable_rollback: true });
    expect(plan.channels_not_rolled_back).toEqual([
      { bucket: 'base', channel: 'prod', version_id: 'base-2' },
      { bucket: 'web', channel: 'prod', version_id: 'web-2' },
      { bucket: 'svc', channel: 'prod', version_id: 'svc-1' },
    ]);
    expect(plan.channel_rollbacks.every((r) => r.managed)).toBe(true);
  });

  it('walks through a descendant revoked already without listing it, and reaches what is built on it', () => {
    const model = registry();
    apply(model, [
      {
        type: 'VersionRevoked',
        bucket: 'app',
        version_id: 'app-1',
        revoked_at: new Date().toISOString(),
        reason: 'own',
        revocation_type: 'MANUAL',
        inherited_from: null,
        skip_descendants: true,
        disable_rollback: false,
        channel_rollbacks: [],
      },
    ]);
    const plan = planRevocation(model, root(model), { skip_descendants: false, disable_rollback: false });
    expect(plan.affected.map((a) => a.version_id)).toEqual(['base-2', 'web-2', 'svc-1']);
  });
});
