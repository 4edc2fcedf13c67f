import { describe, it, expect } from '@jest/globals';
import {
  ErrorCodes,
  MANAGED_CHANNEL,
  type BucketEvent,
  type ChannelAssigned,
  type ChannelEvent,
  type ChannelRolledBack,
  type Role,
  type StoredCommit,
} from '@gilt/contracts';
import { assignmentStack, decideChannel, rollbackTarget, type ChannelCommand, type ChannelContext } from './channel-decider.js';
import { evolveChannel, type ChannelState } from './channel-state.js';
import { RegistryReadModel } from '../read-model/registry-read-model.js';
import { deciderSpec, eventContext } from '../testing/decider-spec.js';

// ---- the bucket the channels live in, as the read model sees it ---------------------------

const B = 'ubuntu-base';

function commit(position: number, events: BucketEvent[]): StoredCommit {
  return {
    position,
    stream: `bucket.${B}`,
    events,
    meta: { command_id: `cmd-${position}`, actor: 'ci', occurred_at: eventContext(position).at, correlation_id: `corr-${position}`, causation_id: null, schema_version: 1 },
    prev_hash: '',
    hash: '',
  };
}

const publishComplete = (id: string, fp: string, name: string): BucketEvent[] => [
  { type: 'VersionStarted', bucket: B, version_id: id, fingerprint: fp, expected_builds: null },
  {
    type: 'BuildCompleted',
    bucket: B,
    version_id: id,
    build: {
      build_id: `bld-${id}`,
      name: 'ubuntu',
      builder_type: 'amazon-ebs',
      platform: 'aws',
      packer_run_uuid: `run-${id}`,
      artifacts: [{ external_id: `ami-${id}`, region: 'us-east-1' }],
      labels: {},
      source_external_id: null,
      parent_channel: null,
      parent_version_id: null,
      build_time: null,
    },
  },
  { type: 'VersionCompleted', bucket: B, version_id: id, name },
];

/**
 * ver-1/fp-1/v1, ver-2/fp-2/v2, ver-3/fp-3/v3: complete. ver-run/fp-run: running, no builds.
 * ver-fail/fp-fail: a failed build. `deleted` versions are deleted afterwards.
 */
function registry(opts: { deleted?: string[]; bucket?: boolean } = {}): RegistryReadModel {
  const model = new RegistryReadModel();
  if (opts.bucket === false) return model;
  const commits: BucketEvent[][] = [
    [{ type: 'BucketCreated', bucket: B, description: '', labels: {} }],
    publishComplete('ver-1', 'fp-1', 'v1'),
    publishComplete('ver-2', 'fp-2', 'v2'),
    publishComplete('ver-3', 'fp-3', 'v3'),
    [{ type: 'VersionStarted', bucket: B, version_id: 'ver-run', fingerprint: 'fp-run', expected_builds: null }],
    [
      { type: 'VersionStarted', bucket: B, version_id: 'ver-fail', fingerprint: 'fp-fail', expected_builds: null },
      { type: 'BuildFailed', bucket: B, version_id: 'ver-fail', build_id: 'bld-fail', name: 'ubuntu', builder_type: 'amazon-ebs', reason: 'boom' },
    ],
    ...(opts.deleted ?? []).map((version_id): BucketEvent[] => [{ type: 'VersionDeleted', bucket: B, version_id }]),
  ];
  commits.forEach((events, i) => model.apply(commit(i + 1, events)));
  return model;
}

/** The context the channels service builds from its read model. */
function contextFrom(model: RegistryReadModel, role: Role = 'contributor'): ChannelContext {
  return {
    role,
    bucketExists: model.bucket(B) !== undefined,
    findVersion: (ref) => model.version(B, ref),
    isAssignable: (v) => model.isAssignable(v),
    whyUnassignable: (v) => (v.deleted ? 'it was deleted' : v.completed_at === null ? `it is not complete (status ${v.status})` : 'it is not usable'),
  };
}

const channelSpec = (model: RegistryReadModel = registry()) =>
  deciderSpec({
    decide: decideChannel,
    evolve: evolveChannel,
    context: (): ChannelContext => contextFrom(model),
  });
const spec = channelSpec();
const admin: Partial<ChannelContext> = { role: 'admin' };

// ---- channel events and commands ----------------------------------------------------------

const C = 'prod';
const created = (restricted = false, channel = C): ChannelEvent => ({ type: 'ChannelCreated', bucket: B, channel, restricted });
const assigned = (version_id: string, previous_version_id: string | null, more: Partial<ChannelAssigned> = {}): ChannelAssigned => ({
  type: 'ChannelAssigned',
  bucket: B,
  channel: C,
  version_id,
  previous_version_id,
  reason: null,
  promoted_from: null,
  ...more,
});
const unassigned = (previous_version_id: string | null, reason: string | null = null): ChannelEvent => ({ type: 'ChannelUnassigned', bucket: B, channel: C, previous_version_id, reason });
const rolledBack = (from_version_id: string | null, to_version_id: string | null, reason: string | null = null): ChannelRolledBack => ({
  type: 'ChannelRolledBack',
  bucket: B,
  channel: C,
  from_version_id,
  to_version_id,
  reason,
  because_revocation_of: null,
});
const restrictedEv = (restricted: boolean): ChannelEvent => ({ type: 'ChannelRestricted', bucket: B, channel: C, restricted });
const deleted: ChannelEvent = { type: 'ChannelDeleted', bucket: B, channel: C };

/** prod: created, then ver-1, ver-2, ver-3 in turn. */
const assigned123: ChannelEvent[] = [created(), assigned('ver-1', null), assigned('ver-2', 'ver-1'), assigned('ver-3', 'ver-2')];

const create = (more: Partial<Extract<ChannelCommand, { type: 'CreateChannel' }>> = {}): ChannelCommand => ({
  type: 'CreateChannel',
  bucket: B,
  channel: C,
  restricted: false,
  version: null,
  reason: null,
  ...more,
});
const assign = (version: string, more: Partial<Extract<ChannelCommand, { type: 'AssignChannel' }>> = {}): ChannelCommand => ({
  type: 'AssignChannel',
  bucket: B,
  channel: C,
  version,
  reason: null,
  create: false,
  ...more,
});
const unassign = (channel = C): ChannelCommand => ({ type: 'UnassignChannel', bucket: B, channel, reason: 'bad image' });
const restrict = (restricted: boolean, channel = C): ChannelCommand => ({ type: 'RestrictChannel', bucket: B, channel, restricted });
const del = (channel = C): ChannelCommand => ({ type: 'DeleteChannel', bucket: B, channel, reason: null });
const rollback = (to_version: string | null = null, more: Partial<Extract<ChannelCommand, { type: 'RollbackChannel' }>> = {}): ChannelCommand => ({
  type: 'RollbackChannel',
  bucket: B,
  channel: C,
  to_version,
  reason: null,
  ...more,
});

// ---- every command -------------------------------------------------------------------------

describe('any channel command', () => {
  it.each<[string, ChannelCommand]>([
    ['create', create()],
    ['assign', assign('v1', { create: true })],
    ['unassign', unassign()],
    ['restrict', restrict(true)],
    ['delete', del()],
    ['rollback', rollback()],
  ])('%s refuses a missing bucket', (_name, cmd) => {
    const err = channelSpec(registry({ bucket: false })).given([]).when(cmd, admin).thenThrows(ErrorCodes.notFound, `bucket ${B} not found`);
    expect(err.details).toEqual({ bucket: B });
  });
});

// ---- CreateChannel ------------------------------------------------------------------------

describe('CreateChannel', () => {
  it('creates an empty channel', () => {
    const { state } = spec.given([]).when(create()).then([created()], `created channel ${C}`);
    expect(state).toMatchObject({ name: C, bucket: B, managed: false, restricted: false, version_id: null, deleted: false });
    expect(state?.history.map((h) => h.action)).toEqual(['created']);
  });

  it('creates a channel with a version, by name', () => {
    const { state } = spec.given([]).when(create({ version: 'v2', reason: 'first cut' })).then([created(), assigned('ver-2', null, { reason: 'first cut' })]);
    expect(state?.version_id).toBe('ver-2');
  });

  it(`refuses ${MANAGED_CHANNEL}`, () => {
    spec.given([]).when(create({ channel: MANAGED_CHANNEL }), admin).thenThrows(ErrorCodes.conflict, 'managed by Gilt');
  });

  it('refuses a channel that exists', () => {
    const err = spec.given([created()]).when(create()).thenThrows(ErrorCodes.alreadyExists, 'already exists');
    expect(err.details).toEqual({ channel: C });
  });

  it('re-creates a deleted channel, keeping its history', () => {
    const { state } = spec.given([created(), assigned('ver-1', null), deleted]).when(create()).then([created()]);
    expect(state?.history.map((h) => h.action)).toEqual(['created', 'assigned', 'deleted', 'created']);
    expect(state?.version_id).toBeNull();
  });

  it('only admins create restricted channels', () => {
    const err = spec.given([]).when(create({ restricted: true })).thenThrows(ErrorCodes.forbidden, 'only admins');
    expect(err.details).toEqual({ required_role: 'admin' });
    const { state } = spec.given([]).when(create({ restricted: true }), admin).then([created(true)]);
    expect(state?.restricted).toBe(true);
  });

  it('refuses a version that is not assignable or does not exist', () => {
    spec.given([]).when(create({ version: 'fp-run' })).thenThrows(ErrorCodes.conflict, 'not complete (status RUNNING)');
    spec.given([]).when(create({ version: 'v9' })).thenThrows(ErrorCodes.notFound, 'version v9 not found');
  });
});

// ---- AssignChannel ------------------------------------------------------------------------

describe('AssignChannel', () => {
  it('moves the channel to another version, remembering the previous one', () => {
    const { decision, state } = spec
      .given([created(), assigned('ver-1', null)])
      .when(assign('v2', { reason: 'rollout' }))
      .then([assigned('ver-2', 'ver-1', { reason: 'rollout' })]);
    expect(decision.message).toBe(`channel ${C} -> v2`);
    expect(state?.version_id).toBe('ver-2');
    expect(state?.history.at(-1)).toMatchObject({ action: 'assigned', version_id: 'ver-2', previous_version_id: 'ver-1', reason: 'rollout', actor: 'decider' });
  });

  it.each(['ver-2', 'fp-2', 'v2'])('accepts %s as the version', (ref) => {
    spec.given([created()]).when(assign(ref)).then([assigned('ver-2', null)]);
  });

  it('refuses an incomplete version', () => {
    const err = spec.given([created()]).when(assign('fp-run')).thenThrows(ErrorCodes.conflict, 'version fp-run cannot be assigned: it is not complete (status RUNNING)');
    expect(err.details).toEqual({ version: 'ver-run', reason: 'it is not complete (status RUNNING)' });
    spec.given([created()]).when(assign('fp-fail')).thenThrows(ErrorCodes.conflict, 'status FAILED');
  });

  it('refuses a deleted version: it cannot be found any more', () => {
    const deletedSpec = channelSpec(registry({ deleted: ['ver-2'] }));
    for (const ref of ['ver-2', 'fp-2', 'v2']) deletedSpec.given([created()]).when(assign(ref)).thenThrows(ErrorCodes.notFound, `version ${ref} not found`);
  });

  it('refuses a version the context says is unusable (e.g. revoked)', () => {
    spec
      .given([created()])
      .when(assign('v2'), { isAssignable: (v) => v.id !== 'ver-2', whyUnassignable: () => 'it is revoked' })
      .thenThrows(ErrorCodes.conflict, 'version v2 cannot be assigned: it is revoked');
  });

  it('refuses a missing version', () => {
    const err = spec.given([created()]).when(assign('nope')).thenThrows(ErrorCodes.notFound, 'version nope not found');
    expect(err.details).toEqual({ bucket: B, version: 'nope' });
  });

  it(`refuses ${MANAGED_CHANNEL}`, () => {
    spec.given([]).when({ ...assign('v1'), channel: MANAGED_CHANNEL }, admin).thenThrows(ErrorCodes.conflict, 'cannot be assigned by hand');
  });

  it('a restricted channel takes assignments from admins only', () => {
    const given = [created(true), assigned('ver-1', null)];
    const err = spec.given(given).when(assign('v2')).thenThrows(ErrorCodes.forbidden, 'restricted');
    expect(err.details).toEqual({ channel: C, required_role: 'admin' });
    spec.given(given).when(assign('v2'), admin).then([assigned('ver-2', 'ver-1')]);
  });

  it('writes nothing when the channel already points at the version', () => {
    spec.given([created(), assigned('ver-1', null)]).when(assign('fp-1')).thenNothingChanged(`channel ${C} already points at v1`);
  });

  it('refuses a missing channel unless asked to create it', () => {
    spec.given([]).when(assign('v1')).thenThrows(ErrorCodes.notFound, 'pass create: true');
    spec.given([]).when(assign('v1', { create: true })).then([created(), assigned('ver-1', null)]);
  });

  it('create: true re-creates a deleted channel, unrestricted and with no previous version', () => {
    const { state } = spec
      .given([created(true), assigned('ver-1', null), deleted])
      .when(assign('v1', { create: true }))
      .then([created(false), assigned('ver-1', null)]);
    expect(state?.restricted).toBe(false);
  });

  it('create: true on an existing channel just assigns', () => {
    spec.given([created(), assigned('ver-1', null)]).when(assign('v2', { create: true })).then([assigned('ver-2', 'ver-1')]);
  });

  it('a deleted channel without create: true is not found', () => {
    spec.given([created(), deleted]).when(assign('v1')).thenThrows(ErrorCodes.notFound);
  });

  it('compare-and-set: assigns when the channel still points at expected_current', () => {
    spec.given([created(), assigned('ver-1', null)]).when(assign('v2', { expected_current: 'ver-1' })).then([assigned('ver-2', 'ver-1')]);
    spec.given([created()]).when(assign('v2', { expected_current: null })).then([assigned('ver-2', null)]);
    spec.given([]).when(assign('v2', { expected_current: null, create: true })).then([created(), assigned('ver-2', null)]);
  });

  it('compare-and-set: refuses when the channel has moved', () => {
    const err = spec
      .given([created(), assigned('ver-1', null), assigned('ver-3', 'ver-1')])
      .when(assign('v2', { expected_current: 'ver-1' }))
      .thenThrows(ErrorCodes.conflict, 'no longer points at ver-1; it now points at ver-3');
    expect(err.details).toEqual({ channel: C, expected: 'ver-1', actual: 'ver-3' });
    spec.given([created(), assigned('ver-1', null)]).when(assign('v2', { expected_current: null })).thenThrows(ErrorCodes.conflict, 'no longer points at nothing');
    spec.given([created()]).when(assign('v2', { expected_current: 'ver-1' })).thenThrows(ErrorCodes.conflict, 'it now points at nothing');
  });

  it('promotion: an assignment copied from another channel remembers where it came from', () => {
    const { state } = spec
      .given([created(), assigned('ver-1', null)])
      .when(assign('ver-2', { promoted_from: 'staging', reason: 'promote' }))
      .then([assigned('ver-2', 'ver-1', { promoted_from: 'staging', reason: 'promote' })]);
    expect(state?.history.at(-1)).toMatchObject({ action: 'assigned', promoted_from: 'staging', version_id: 'ver-2' });
  });

  it('promotion into a channel that does not exist yet, with create: true', () => {
    spec.given([]).when(assign('ver-3', { promoted_from: 'staging', create: true })).then([created(), assigned('ver-3', null, { promoted_from: 'staging' })]);
  });

  it('promotion of the version the target already has writes nothing', () => {
    spec.given([created(), assigned('ver-3', null)]).when(assign('ver-3', { promoted_from: 'staging' })).thenNothingChanged('already points at v3');
  });
});

// ---- UnassignChannel ----------------------------------------------------------------------

describe('UnassignChannel', () => {
  it('empties the channel', () => {
    const { decision, state } = spec.given([created(), assigned('ver-1', null)]).when(unassign()).then([unassigned('ver-1', 'bad image')], 'now empty');
    expect(decision.empty).toBe(true);
    expect(state?.version_id).toBeNull();
  });

  it('writes nothing for an empty channel', () => {
    const { decision } = spec.given([created()]).when(unassign()).thenNothingChanged('already empty');
    expect(decision.empty).toBe(true);
  });

  it(`refuses ${MANAGED_CHANNEL}, a missing channel and (for non-admins) a restricted one`, () => {
    spec.given([]).when(unassign(MANAGED_CHANNEL), admin).thenThrows(ErrorCodes.conflict, 'cannot be unassigned');
    spec.given([]).when(unassign()).thenThrows(ErrorCodes.notFound, `channel ${B}:${C} not found`);
    spec.given([created(), assigned('ver-1', null), deleted]).when(unassign()).thenThrows(ErrorCodes.notFound);
    spec.given([created(true), assigned('ver-1', null)]).when(unassign()).thenThrows(ErrorCodes.forbidden);
    spec.given([created(true), assigned('ver-1', null)]).when(unassign(), admin).then([unassigned('ver-1', 'bad image')]);
  });
});

// ---- RestrictChannel ----------------------------------------------------------------------

describe('RestrictChannel', () => {
  it('admins restrict and unrestrict', () => {
    const { state } = spec.given([created(), assigned('ver-1', null)]).when(restrict(true), admin).then([restrictedEv(true)], 'restricted');
    expect(state?.restricted).toBe(true);
    expect(state?.history.at(-1)).toMatchObject({ action: 'restricted', version_id: 'ver-1' });
    spec.given([created(true)]).when(restrict(false), admin).then([restrictedEv(false)], 'unrestricted');
  });

  it('refuses non-admins, even to unrestrict', () => {
    const err = spec.given([created()]).when(restrict(true)).thenThrows(ErrorCodes.forbidden, 'only admins');
    expect(err.details).toEqual({ required_role: 'admin' });
    spec.given([created(true)]).when(restrict(false), { role: 'viewer' }).thenThrows(ErrorCodes.forbidden);
  });

  it('writes nothing when the flag is already set', () => {
    spec.given([created(true)]).when(restrict(true), admin).thenNothingChanged('already restricted');
    spec.given([created()]).when(restrict(false), admin).thenNothingChanged('already unrestricted');
  });

  it(`refuses ${MANAGED_CHANNEL} and a missing channel`, () => {
    spec.given([]).when(restrict(true, MANAGED_CHANNEL), admin).thenThrows(ErrorCodes.conflict, 'cannot be restricted');
    spec.given([]).when(restrict(true), admin).thenThrows(ErrorCodes.notFound);
  });
});

// ---- DeleteChannel ------------------------------------------------------------------------

describe('DeleteChannel', () => {
  it('deletes a channel, even one pointing at a version', () => {
    const { state } = spec.given([created(), assigned('ver-1', null)]).when(del()).then([deleted], `deleted channel ${C}`);
    expect(state).toMatchObject({ deleted: true, version_id: null });
    expect(state?.history.at(-1)).toMatchObject({ action: 'deleted', previous_version_id: 'ver-1' });
  });

  it(`refuses ${MANAGED_CHANNEL}`, () => {
    spec.given([]).when(del(MANAGED_CHANNEL), admin).thenThrows(ErrorCodes.conflict, 'cannot be deleted');
  });

  it('refuses a missing or deleted channel, and non-admins on a restricted one', () => {
    spec.given([]).when(del()).thenThrows(ErrorCodes.notFound);
    spec.given([created(), deleted]).when(del()).thenThrows(ErrorCodes.notFound);
    spec.given([created(true)]).when(del()).thenThrows(ErrorCodes.forbidden);
    spec.given([created(true)]).when(del(), admin).then([deleted]);
  });
});

// ---- RollbackChannel ----------------------------------------------------------------------

describe('RollbackChannel', () => {
  it('goes back to the previous assignment', () => {
    const { decision, state } = spec
      .given([created(), assigned('ver-1', null), assigned('ver-2', 'ver-1')])
      .when(rollback(null, { reason: 'broken boot' }))
      .then([rolledBack('ver-2', 'ver-1', 'broken boot')], `channel ${C} rolled back to v1`);
    expect(decision.empty).toBe(false);
    expect(state?.version_id).toBe('ver-1');
    expect(state?.history.at(-1)).toMatchObject({ action: 'rolled_back', version_id: 'ver-1', previous_version_id: 'ver-2', reason: 'broken boot' });
  });

  it('skips versions deleted since they were assigned', () => {
    channelSpec(registry({ deleted: ['ver-2'] }))
      .given(assigned123)
      .when(rollback())
      .then([rolledBack('ver-3', 'ver-1')]);
  });

  it('skips versions that are no longer assignable (e.g. revoked)', () => {
    spec
      .given(assigned123)
      .when(rollback(), { isAssignable: (v) => v.completed_at !== null && !v.deleted && v.id !== 'ver-2' })
      .then([rolledBack('ver-3', 'ver-1')]);
  });

  it('twice goes two steps back, never forward again', () => {
    spec.given([...assigned123, rolledBack('ver-3', 'ver-2')]).when(rollback()).then([rolledBack('ver-2', 'ver-1')]);
    spec.given([created(), assigned('ver-1', null), assigned('ver-2', 'ver-1'), rolledBack('ver-2', 'ver-1')]).when(rollback()).then([rolledBack('ver-1', null)]);
  });

  it('skips an earlier entry equal to the current version', () => {
    spec
      .given([created(), assigned('ver-1', null), assigned('ver-2', 'ver-1'), assigned('ver-1', 'ver-2'), assigned('ver-3', 'ver-1')])
      .when(rollback())
      .then([rolledBack('ver-3', 'ver-1')]);
    spec
      .given([created(), assigned('ver-2', null), assigned('ver-1', 'ver-2'), assigned('ver-2', 'ver-1')])
      .when(rollback())
      .then([rolledBack('ver-2', 'ver-1')]);
  });

  it('after an unassign, goes back to the version before it', () => {
    spec.given([created(), assigned('ver-1', null), assigned('ver-2', 'ver-1'), unassigned('ver-2')]).when(rollback()).then([rolledBack(null, 'ver-2')]);
  });

  it('with no earlier valid version, empties the channel (ChannelRolledBack to null, empty: true)', () => {
    const { decision, state } = spec.given([created(), assigned('ver-1', null)]).when(rollback()).then([rolledBack('ver-1', null)], 'it is now empty');
    expect(decision.empty).toBe(true);
    expect(state?.version_id).toBeNull();
    channelSpec(registry({ deleted: ['ver-1'] }))
      .given([created(), assigned('ver-1', null), assigned('ver-2', 'ver-1')])
      .when(rollback())
      .then([rolledBack('ver-2', null)]);
  });

  it('an empty channel with nothing to go back to writes nothing', () => {
    const { decision } = spec.given([created()]).when(rollback()).thenNothingChanged('is empty and has no earlier valid version');
    expect(decision.empty).toBe(true);
    spec.given([created(), assigned('ver-1', null), rolledBack('ver-1', null)]).when(rollback()).thenNothingChanged();
  });

  it('does not reach back before the channel was deleted and re-created', () => {
    spec.given([created(), assigned('ver-1', null), deleted, created(), assigned('ver-2', null)]).when(rollback()).then([rolledBack('ver-2', null)]);
  });

  it('to_version: goes straight to a version the channel had', () => {
    const { state } = spec.given(assigned123).when(rollback('v1')).then([rolledBack('ver-3', 'ver-1')], 'rolled back to v1');
    expect(assignmentStack(state!)).toEqual(['ver-1']);
  });

  it('to_version: a version reached by an earlier rollback counts as had', () => {
    spec
      .given([created(), assigned('ver-1', null), rolledBack('ver-1', null), assigned('ver-3', null)])
      .when(rollback('fp-1'))
      .then([rolledBack('ver-3', 'ver-1')]);
  });

  it('to_version: refuses a version never assigned to the channel', () => {
    const err = spec
      .given([created(), assigned('ver-1', null), assigned('ver-3', 'ver-1')])
      .when(rollback('v2'))
      .thenThrows(ErrorCodes.conflict, `version v2 was never assigned to channel ${C}`);
    expect(err.details).toEqual({ version: 'ver-2' });
  });

  it('to_version: refuses a version that is no longer assignable or gone', () => {
    spec
      .given(assigned123)
      .when(rollback('v1'), { isAssignable: (v) => v.id !== 'ver-1', whyUnassignable: () => 'it is revoked' })
      .thenThrows(ErrorCodes.conflict, 'it is revoked');
    channelSpec(registry({ deleted: ['ver-1'] })).given(assigned123).when(rollback('ver-1')).thenThrows(ErrorCodes.notFound);
  });

  it('to_version: the current version writes nothing', () => {
    spec.given(assigned123).when(rollback('v3')).thenNothingChanged('already points at v3');
  });

  it(`refuses ${MANAGED_CHANNEL}, a missing channel and (for non-admins) a restricted one`, () => {
    spec.given([]).when({ ...rollback(), channel: MANAGED_CHANNEL }, admin).thenThrows(ErrorCodes.conflict, 'cannot be rolled back by hand');
    spec.given([]).when(rollback()).thenThrows(ErrorCodes.notFound);
    spec.given([created(), assigned('ver-1', null), deleted]).when(rollback()).thenThrows(ErrorCodes.notFound);
    const restrictedGiven = [created(true), assigned('ver-1', null), assigned('ver-2', 'ver-1')];
    spec.given(restrictedGiven).when(rollback()).thenThrows(ErrorCodes.forbidden);
    spec.given(restrictedGiven).when(rollback(), admin).then([rolledBack('ver-2', 'ver-1')]);
  });
});

// ---- assignmentStack / rollbackTarget -----------------------------------------------------

describe('assignmentStack', () => {
  const stackOf = (events: ChannelEvent[]) => assignmentStack(spec.given(events).state()!);

  it('lists assignments oldest first, the current one on top', () => {
    expect(stackOf(assigned123)).toEqual(['ver-1', 'ver-2', 'ver-3']);
  });

  it('an unassignment is an empty entry', () => {
    expect(stackOf([created(), assigned('ver-1', null), unassigned('ver-1')])).toEqual(['ver-1', null]);
  });

  it('a rollback pops back to its target', () => {
    expect(stackOf([...assigned123, rolledBack('ver-3', 'ver-2')])).toEqual(['ver-1', 'ver-2']);
    expect(stackOf([...assigned123, rolledBack('ver-3', 'ver-1')])).toEqual(['ver-1']);
    expect(stackOf([...assigned123, rolledBack('ver-3', 'ver-2'), rolledBack('ver-2', 'ver-1')])).toEqual(['ver-1']);
  });

  it('a rollback to nothing leaves a single empty entry', () => {
    expect(stackOf([created(), assigned('ver-1', null), rolledBack('ver-1', null)])).toEqual([null]);
  });

  it('a rollback to a version not on the stack restarts it from that version', () => {
    expect(stackOf([created(), assigned('ver-1', null), deleted, created(), assigned('ver-2', null), rolledBack('ver-2', 'ver-1')])).toEqual(['ver-1']);
  });

  it('assignments after a rollback stack on top of it', () => {
    expect(stackOf([...assigned123, rolledBack('ver-3', 'ver-1'), assigned('ver-3', 'ver-1')])).toEqual(['ver-1', 'ver-3']);
  });

  it('restrictions are not assignments', () => {
    expect(stackOf([created(), assigned('ver-1', null), restrictedEv(true), assigned('ver-2', 'ver-1'), restrictedEv(false)])).toEqual(['ver-1', 'ver-2']);
  });

  it('creation and deletion start afresh', () => {
    expect(stackOf([created(), assigned('ver-1', null), deleted])).toEqual([]);
    expect(stackOf([created(), assigned('ver-1', null), deleted, created()])).toEqual([]);
  });
});

describe('rollbackTarget', () => {
  const state = (events: ChannelEvent[]): ChannelState => spec.given(events).state()!;
  const ctx = contextFrom(registry());

  it('finds the most recent earlier valid version', () => {
    expect(rollbackTarget(state(assigned123), null, rollback(), ctx)?.id).toBe('ver-2');
    expect(rollbackTarget(state(assigned123), null, rollback(), { ...ctx, isAssignable: (v) => v.id === 'ver-3' })).toBeNull();
  });

  it('resolves to_version by any reference', () => {
    expect(rollbackTarget(state(assigned123), 'fp-1', rollback('fp-1'), ctx)?.id).toBe('ver-1');
  });
});
