import type { RestoreResultData, RevocationResultData } from '@gilt/contracts';
import type { RegistryReadModel, RevocationPlan, RevocationState, VersionState } from '@gilt/domain';

/** JSON shapes of the revocation endpoints: versions as short references, channels with where they went. */

const ref = (model: RegistryReadModel, bucket: string, id: string | null) => {
  if (!id) return null;
  const v = model.buckets.get(bucket)?.by_id.get(id);
  return { id, bucket, name: v?.name ?? null, fingerprint: v?.fingerprint ?? null };
};

/** A revocation as it stands in the read model (after a write), or as a dry run would make it. */
export function presentRevocationState(v: VersionState, r: Pick<RevocationState, 'reason' | 'revocation_type' | 'author' | 'skip_descendants' | 'disable_rollback' | 'inherited_from'>, status: string, revokeAt: string | null, model: RegistryReadModel) {
  return {
    version: ref(model, v.bucket, v.id),
    status,
    revoke_at: revokeAt,
    reason: r.reason,
    type: r.revocation_type,
    author: r.author,
    inherited_from: r.inherited_from ? ref(model, r.inherited_from.bucket, r.inherited_from.version_id) : null,
    skip_descendants: r.skip_descendants,
    disable_rollback: r.disable_rollback,
  };
}

/** The versions and channels of a revocation (its plan), and how far its cascade got. */
export function presentPlan(plan: RevocationPlan, cascade: RevocationResultData['cascade'], dryRun: boolean, model: RegistryReadModel) {
  return {
    affected_versions: plan.affected.map((a) => ({ ...ref(model, a.bucket, a.version_id)!, depth: a.depth, type: a.type, via: a.via })),
    channel_rollbacks: plan.channel_rollbacks.map((r) => ({
      bucket: r.bucket,
      channel: r.channel,
      managed: r.managed,
      from: ref(model, r.bucket, r.from_version_id),
      to: ref(model, r.bucket, r.to_version_id),
      empty: r.empty,
    })),
    channels_not_rolled_back: plan.channels_not_rolled_back.map((c) => ({ bucket: c.bucket, channel: c.channel, version: ref(model, c.bucket, c.version_id) })),
    cascade: { ...cascade, status_url: `/v1/revocations/${plan.root.id}` },
    dry_run: dryRun,
  };
}

export function presentRestoreResult(data: RestoreResultData, model: RegistryReadModel) {
  return {
    restored: data.restored.map((r) => ref(model, r.bucket, r.version_id)),
    rolled_back_channels: data.rolled_back_channels.map((c) => ({
      bucket: c.bucket,
      channel: c.channel,
      rolled_back_from: ref(model, c.bucket, c.from_version_id),
      now: ref(model, c.bucket, c.now_version_id),
      rolled_back_at: c.at,
      moved_back: false,
    })),
  };
}
