import { DomainError, ErrorCodes, MANAGED_CHANNEL, type AffectedVersion, type ChannelRollbackView, type PlannedRollback } from '@gilt/contracts';
import type { VersionState } from '../bucket/bucket-state.js';
import { rollbackTarget, type ChannelContext } from '../channel/channel-decider.js';
import type { RegistryReadModel } from '../read-model/registry-read-model.js';

/**
 * What a revocation touches, computed from the read model alone: the root, every descendant in
 * every bucket (each once, diamonds included) unless descendants are skipped, and every channel
 * that points at one of them with where it would roll back to. The revocation service records it
 * in its events; the gateway answers dry runs and lists with it (from its own read model, so
 * plans of any size need no message between them). Pure: the same log gives the same plan.
 */
export interface RevocationPlan {
  root: VersionState;
  /** Root first, then descendants nearest first; versions revoked already are left out (they stay as they are). */
  affected: AffectedVersion[];
  /** Ids of `affected`: no channel may roll back onto one of them. */
  ids: Set<string>;
  /** User channels (unless rollback is disabled) and `latest`, for every affected version. */
  channel_rollbacks: ChannelRollbackView[];
  channels_not_rolled_back: { bucket: string; channel: string; version_id: string }[];
}

export interface PlanOptions {
  skip_descendants: boolean;
  disable_rollback: boolean;
}

export const isRevokedExplicitly = (model: RegistryReadModel, versionId: string) => model.revocations.get(versionId)?.status === 'revoked';

export const versionLabel = (v: Pick<VersionState, 'bucket' | 'name' | 'fingerprint'>) => `${v.bucket}:${v.name !== 'v0' ? v.name : v.fingerprint}`;

/** Refuses to revoke (or schedule, `scheduled`) a version that is revoked already: it must be restored first. */
export function assertRevocable(model: RegistryReadModel, root: VersionState, scheduled: boolean): void {
  const s = model.revocations.get(root.id);
  if (!s || !(s.status === 'revoked' || (scheduled && model.isRevoked(root.id)))) return;
  throw new DomainError(ErrorCodes.conflict, `${versionLabel(root)} is already revoked (${s.revocation_type?.toLowerCase()}, ${s.revoke_at}); restore it first`, {
    version: root.id,
    revoked_at: s.revoke_at,
  });
}

export function planRevocation(model: RegistryReadModel, root: VersionState, opts: PlanOptions): RevocationPlan {
  const affected: AffectedVersion[] = [{ bucket: root.bucket, version_id: root.id, name: root.name, depth: 0, type: 'MANUAL', via: null }];
  if (!opts.skip_descendants) {
    for (const d of model.descendantsOf(root)) {
      // The walk goes through versions revoked already (their own descendants may not be), but does not list them.
      if (isRevokedExplicitly(model, d.version.id)) continue;
      affected.push({ bucket: d.version.bucket, version_id: d.version.id, name: d.version.name, depth: d.depth, type: 'INHERITED', via: d.via });
    }
  }
  const ids = new Set(affected.map((a) => a.version_id));
  const channel_rollbacks: ChannelRollbackView[] = [];
  const channels_not_rolled_back: RevocationPlan['channels_not_rolled_back'] = [];
  for (const a of affected) {
    if (opts.disable_rollback) {
      for (const channel of model.channelsAssigned(a.bucket, a.version_id)) channels_not_rolled_back.push({ bucket: a.bucket, channel, version_id: a.version_id });
    } else {
      for (const r of plannedRollbacks(model, a.bucket, a.version_id, ids)) {
        channel_rollbacks.push({ bucket: a.bucket, channel: r.channel, from_version_id: a.version_id, to_version_id: r.to_version_id, empty: r.to_version_id === null, managed: false });
      }
    }
  }
  channel_rollbacks.push(...latestMoves(model, ids, new Set(affected.map((a) => a.bucket))));
  return { root, affected, ids, channel_rollbacks, channels_not_rolled_back };
}

/**
 * The channel context a revocation decides rollbacks with: the system acts (restricted channels
 * roll back too), and a version being revoked in the same cascade is never a target, even
 * before its own revocation is written.
 */
export function revocationChannelContext(model: RegistryReadModel, bucket: string, excluded: ReadonlySet<string>): ChannelContext {
  return {
    role: 'admin',
    bucketExists: model.bucket(bucket) !== undefined,
    findVersion: (ref) => model.version(bucket, ref),
    isAssignable: (v) => !excluded.has(v.id) && model.isAssignable(v),
    whyUnassignable: () => 'it is revoked or not usable',
  };
}

/** Where each user channel pointing at `versionId` rolls back to; `to_version_id: null` leaves it empty. */
export function plannedRollbacks(model: RegistryReadModel, bucket: string, versionId: string, excluded: ReadonlySet<string>): PlannedRollback[] {
  const ctx = revocationChannelContext(model, bucket, excluded);
  return model.channelsAssigned(bucket, versionId).map((channel) => {
    const state = model.channel(bucket, channel)!;
    const target = rollbackTarget(state, null, { type: 'RollbackChannel', bucket, channel, to_version: null, reason: null }, ctx);
    return { bucket, channel, to_version_id: target?.id ?? null };
  });
}

/** `latest` moves by itself once its version is revoked: say where to, so an emptied `latest` is explicit too. */
function latestMoves(model: RegistryReadModel, excluded: ReadonlySet<string>, buckets: Set<string>): ChannelRollbackView[] {
  const out: ChannelRollbackView[] = [];
  for (const name of buckets) {
    const b = model.bucket(name);
    const latest = model.channel(name, MANAGED_CHANNEL);
    if (!b || !latest) continue;
    const current = model.servedVersion(latest);
    if (!current || !excluded.has(current.id)) continue;
    let next: VersionState | undefined;
    for (const v of b.versions) {
      if (excluded.has(v.id) || !model.isAssignable(v)) continue;
      if (!next || v.completed_position! > next.completed_position!) next = v;
    }
    out.push({ bucket: name, channel: MANAGED_CHANNEL, from_version_id: current.id, to_version_id: next?.id ?? null, empty: !next, managed: true });
  }
  return out;
}
