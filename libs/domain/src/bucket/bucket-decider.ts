import {
  DomainError,
  ErrorCodes,
  type BucketEvent,
  type BuildRecord,
  type CompleteVersionPayload,
  type CreateBucketPayload,
  type DeleteBucketPayload,
  type DeleteVersionPayload,
  type PublishedBuild,
  type PublishPayload,
  type RecordBuildsPayload,
  type StartVersionPayload,
  type UpdateBucketPayload,
} from '@gilt/contracts';
import { buildKey, buildSlot, findVersion, type BucketState, type BuildStatus, type VersionState } from './bucket-state.js';

/** Bucket commands are the NATS payloads, tagged; create and start take their defaults filled in. */
export type BucketCommand =
  | ({ type: 'CreateBucket' } & Required<CreateBucketPayload>)
  | ({ type: 'UpdateBucket' } & UpdateBucketPayload)
  | ({ type: 'DeleteBucket' } & DeleteBucketPayload)
  | ({ type: 'StartVersion'; expected_builds: string[] | null } & StartVersionPayload)
  | ({ type: 'Publish' } & PublishPayload)
  | ({ type: 'RecordBuilds' } & RecordBuildsPayload)
  | ({ type: 'CompleteVersion' } & CompleteVersionPayload)
  | ({ type: 'DeleteVersion' } & DeleteVersionPayload);

/** What a decision needs beyond the aggregate's own state; passed in so the decider stays pure. */
export interface BucketContext {
  newId: () => string;
  /** User channels (not `latest`) currently pointing at a version. */
  channelsAssigned: (bucket: string, versionId: string) => string[];
  /** Revoked versions a build would descend from: the one it names through a channel, or any with its source image. */
  revokedParents: (build: PublishedBuild) => RevokedParent[];
}

export interface RevokedParent {
  bucket: string;
  version_id: string;
  name: string;
}

export interface BucketDecision {
  events: BucketEvent[];
  /** Human-readable summary for the reply. */
  message: string;
  version_id?: string;
}

const notFound = (what: string, details: Record<string, unknown>) => new DomainError(ErrorCodes.notFound, `${what} not found`, details);

function liveBucket(state: BucketState | undefined, bucket: string): BucketState {
  if (!state || state.deleted) throw notFound(`bucket ${bucket}`, { bucket });
  return state;
}

function liveVersion(state: BucketState, ref: string): VersionState {
  const v = findVersion(state, ref);
  if (!v) throw notFound(`version ${ref} in bucket ${state.name}`, { bucket: state.name, version: ref });
  return v;
}

export function decideBucket(cmd: BucketCommand, state: BucketState | undefined, ctx: BucketContext): BucketDecision {
  switch (cmd.type) {
    case 'CreateBucket': {
      if (state && !state.deleted) {
        throw new DomainError(ErrorCodes.alreadyExists, `bucket ${cmd.bucket} already exists`, { bucket: cmd.bucket });
      }
      return {
        events: [{ type: 'BucketCreated', bucket: cmd.bucket, description: cmd.description, labels: cmd.labels }],
        message: `created bucket ${cmd.bucket}`,
      };
    }
    case 'UpdateBucket': {
      const b = liveBucket(state, cmd.bucket);
      const description = cmd.description !== undefined && cmd.description !== b.description ? cmd.description : undefined;
      const labels = cmd.labels !== undefined && !sameLabels(cmd.labels, b.labels) ? cmd.labels : undefined;
      if (description === undefined && labels === undefined) return { events: [], message: `bucket ${cmd.bucket} unchanged` };
      return {
        events: [{ type: 'BucketUpdated', bucket: cmd.bucket, ...(description !== undefined && { description }), ...(labels !== undefined && { labels }) }],
        message: `updated bucket ${cmd.bucket}`,
      };
    }
    case 'DeleteBucket': {
      const b = liveBucket(state, cmd.bucket);
      const assigned = b.versions.filter((v) => !v.deleted).flatMap((v) => ctx.channelsAssigned(b.name, v.id));
      if (assigned.length) {
        throw new DomainError(ErrorCodes.conflict, `bucket ${b.name} has versions assigned to channels: ${assigned.join(', ')}; unassign them first`, {
          bucket: b.name,
          channels: assigned,
        });
      }
      return { events: [{ type: 'BucketDeleted', bucket: b.name }], message: `deleted bucket ${b.name}` };
    }
    case 'StartVersion': {
      const b = liveBucket(state, cmd.bucket);
      const existing = b.by_fingerprint.get(cmd.fingerprint);
      if (existing) return { events: [], message: `version ${cmd.fingerprint} already exists`, version_id: existing.id };
      const version_id = ctx.newId();
      return {
        events: [{ type: 'VersionStarted', bucket: b.name, version_id, fingerprint: cmd.fingerprint, expected_builds: cmd.expected_builds }],
        message: `started version ${cmd.fingerprint}`,
        version_id,
      };
    }
    case 'Publish':
      return decidePublish(cmd, state, ctx);
    case 'RecordBuilds': {
      const b = liveBucket(state, cmd.bucket);
      const v = liveVersion(b, cmd.version);
      return decideBuilds(b, v, cmd.builds, [], false, cmd.allow_revoked_parent ?? false, ctx);
    }
    case 'CompleteVersion': {
      const b = liveBucket(state, cmd.bucket);
      const v = liveVersion(b, cmd.version);
      if (v.completed_at) return { events: [], message: `version ${v.fingerprint} is already complete as ${v.name}`, version_id: v.id };
      const notDone = v.builds.filter((x) => x.status !== 'DONE').map((x) => x.name);
      if (v.builds.length === 0) {
        throw new DomainError(ErrorCodes.conflict, `version ${v.fingerprint} has no builds; publish at least one build first`, { version: v.id });
      }
      if (notDone.length) {
        throw new DomainError(ErrorCodes.conflict, `version ${v.fingerprint} has failed builds: ${notDone.join(', ')}`, { version: v.id, failed_builds: notDone });
      }
      return { events: [completion(b, v)], message: `completed version ${v.fingerprint} as v${b.completed_count + 1}`, version_id: v.id };
    }
    case 'DeleteVersion': {
      const b = liveBucket(state, cmd.bucket);
      const v = liveVersion(b, cmd.version);
      const channels = ctx.channelsAssigned(b.name, v.id);
      if (channels.length) {
        throw new DomainError(ErrorCodes.conflict, `version ${v.name === 'v0' ? v.fingerprint : v.name} is assigned to channel(s) ${channels.join(', ')}; assign another version first`, {
          bucket: b.name,
          version: v.id,
          channels,
        });
      }
      return { events: [{ type: 'VersionDeleted', bucket: b.name, version_id: v.id }], message: `deleted version ${v.fingerprint}`, version_id: v.id };
    }
  }
}

function decidePublish(cmd: Extract<BucketCommand, { type: 'Publish' }>, state: BucketState | undefined, ctx: BucketContext): BucketDecision {
  const events: BucketEvent[] = [];
  const bucketExists = state && !state.deleted;
  if (!bucketExists) events.push({ type: 'BucketCreated', bucket: cmd.bucket, description: cmd.description ?? '', labels: {} });
  const existing = bucketExists ? state.by_fingerprint.get(cmd.fingerprint) : undefined;
  if (!existing) {
    const version_id = ctx.newId();
    events.push({ type: 'VersionStarted', bucket: cmd.bucket, version_id, fingerprint: cmd.fingerprint, expected_builds: cmd.expected_builds });
    const fresh: VersionState = {
      id: version_id,
      bucket: cmd.bucket,
      fingerprint: cmd.fingerprint,
      name: 'v0',
      status: 'RUNNING',
      expected_builds: cmd.expected_builds,
      builds: [],
      deleted: false,
      created_at: '',
      created_by: '',
      completed_at: null,
      updated_at: '',
      completed_position: null,
    };
    const completed = bucketExists ? state.completed_count : (state?.completed_count ?? 0);
    const decision = decideBuilds({ name: cmd.bucket, completed_count: completed }, fresh, cmd.builds, events, cmd.missing_builds_failed, cmd.allow_revoked_parent ?? false, ctx);
    return { ...decision, message: `published version ${cmd.fingerprint}: ${decision.message}` };
  }
  return decideBuilds(state!, existing, cmd.builds, events, cmd.missing_builds_failed, cmd.allow_revoked_parent ?? false, ctx);
}

/**
 * Adds builds to a version and completes it when its expected builds are all done. Re-publishing
 * identical builds changes nothing; a build that differs from one already done is a conflict, and
 * so is a new image built on a revoked one, unless the caller says so explicitly.
 */
function decideBuilds(
  bucket: Pick<BucketState, 'name' | 'completed_count'>,
  v: VersionState,
  builds: PublishedBuild[],
  events: BucketEvent[],
  missingBuildsFailed: boolean,
  allowRevokedParent: boolean,
  ctx: BucketContext,
): BucketDecision {
  /** Status of every build once this decision is applied. */
  const outcome = new Map<string, { name: string; status: BuildStatus }>(v.builds.map((b) => [buildKey(b), { name: b.name, status: b.status }]));
  const added: string[] = [];
  const claimed = new Set<number>();
  const onRevoked: { build: string; parent: RevokedParent }[] = [];
  for (const [i, pb] of builds.entries()) {
    const key = buildKey(pb);
    const slot = buildSlot(v.builds, pb);
    // A missing-build placeholder is replaced by the first build of its name only.
    const prior = slot >= 0 && !claimed.has(slot) ? v.builds[slot] : undefined;
    if (prior && buildKey(prior) !== key) claimed.add(slot);
    if (pb.status === 'DONE' && pb.artifacts.length === 0) {
      throw new DomainError(ErrorCodes.validation, `builds[${i}].artifacts: a finished build needs at least one artifact`, { field: `builds[${i}].artifacts` });
    }
    if (prior?.status === 'DONE') {
      if (pb.status === 'DONE' && sameArtifacts(prior, pb)) continue;
      throw new DomainError(
        ErrorCodes.conflict,
        `build ${pb.name} (${pb.builder_type}) of version ${v.fingerprint} is already done with other artifacts; publish under a new fingerprint`,
        { version: v.id, build: pb.name, builder_type: pb.builder_type },
      );
    }
    if (v.completed_at) {
      throw new DomainError(ErrorCodes.conflict, `version ${v.fingerprint} is complete as ${v.name}; publish under a new fingerprint`, { version: v.id, name: v.name });
    }
    const build_id = prior?.build_id ?? ctx.newId();
    if (pb.status === 'DONE') {
      if (!allowRevokedParent) for (const parent of ctx.revokedParents(pb)) onRevoked.push({ build: pb.name, parent });
      const { status: _status, failure_reason: _reason, ...published } = pb;
      const build: BuildRecord = { build_id, ...published };
      events.push({ type: 'BuildCompleted', bucket: bucket.name, version_id: v.id, build });
    } else {
      events.push({ type: 'BuildFailed', bucket: bucket.name, version_id: v.id, build_id, name: pb.name, builder_type: pb.builder_type, reason: pb.failure_reason ?? 'build failed' });
    }
    if (prior) outcome.delete(buildKey(prior));
    outcome.set(key, { name: pb.name, status: pb.status });
    added.push(pb.name);
  }

  if (onRevoked.length) throw revokedParentConflict(onRevoked);

  const names = new Set([...outcome.values()].map((b) => b.name));
  const expected = v.expected_builds;
  if (missingBuildsFailed && expected) {
    for (const name of expected.filter((n) => !names.has(n))) {
      events.push({ type: 'BuildFailed', bucket: bucket.name, version_id: v.id, build_id: ctx.newId(), name, builder_type: 'unknown', reason: 'missing from the Packer manifest (the build failed or did not run)' });
      outcome.set(buildKey({ name, builder_type: 'unknown' }), { name, status: 'FAILED' });
      added.push(name);
    }
  }
  if (events.length === 0) {
    return { events, message: `nothing changed: version ${v.fingerprint} already has these builds${v.completed_at ? ` and is complete as ${v.name}` : ''}`, version_id: v.id };
  }
  if (v.completed_at) return { events, message: `recorded ${added.length} build(s)`, version_id: v.id };

  const all = [...outcome.values()];
  const failed = all.filter((b) => b.status === 'FAILED').map((b) => b.name);
  const doneNames = new Set(all.filter((b) => b.status === 'DONE').map((b) => b.name));
  const complete = failed.length === 0 && all.length > 0 && (expected === null || expected.every((n) => doneNames.has(n)));
  if (complete) {
    events.push(completion(bucket, v));
    return { events, message: `recorded ${added.length} build(s); version complete as v${bucket.completed_count + 1}`, version_id: v.id };
  }
  const waiting = expected ? expected.filter((n) => !doneNames.has(n)) : [];
  const state = failed.length ? `failed builds: ${failed.join(', ')}` : `waiting for ${waiting.join(', ')}`;
  return { events, message: `recorded ${added.length} build(s); version not complete (${state})`, version_id: v.id };
}

function revokedParentConflict(found: { build: string; parent: RevokedParent }[]): DomainError {
  const parents = new Map<string, RevokedParent & { builds: string[] }>();
  for (const { build, parent } of found) {
    const p = parents.get(parent.version_id) ?? { ...parent, builds: [] };
    p.builds.push(build);
    parents.set(parent.version_id, p);
  }
  const named = [...parents.values()].map((p) => `parent ${p.bucket} ${p.name} (${p.version_id}) of build ${p.builds.join(', ')} is revoked`);
  return new DomainError(
    ErrorCodes.conflict,
    `${named.join('; ')}; publish with --allow-revoked-parent (allow_revoked_parent: true) to record it anyway`,
    { revoked_parents: [...parents.values()] },
  );
}

function completion(bucket: Pick<BucketState, 'name' | 'completed_count'>, v: VersionState): BucketEvent {
  return { type: 'VersionCompleted', bucket: bucket.name, version_id: v.id, name: `v${bucket.completed_count + 1}` };
}

function sameArtifacts(a: { artifacts: { external_id: string; region: string }[] }, b: { artifacts: { external_id: string; region: string }[] }): boolean {
  const key = (x: { artifacts: { external_id: string; region: string }[] }) =>
    x.artifacts.map((y) => `${y.region}|${y.external_id}`).sort().join(',');
  return key(a) === key(b);
}

function sameLabels(a: Record<string, string>, b: Record<string, string>): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k]);
}
