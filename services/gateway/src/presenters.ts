import type { BucketState, BuildState, ChannelState, HistoryEntry, RegistryReadModel, VersionState } from '@gilt/domain';

/** JSON shapes of the HTTP API: snake_case, close to HCP Packer's 2023-01-01 objects. */

export function presentBuild(b: BuildState) {
  return {
    id: b.build_id,
    name: b.name,
    component_type: b.name,
    builder_type: b.builder_type,
    platform: b.platform,
    status: b.status,
    packer_run_uuid: b.packer_run_uuid,
    artifacts: b.artifacts,
    labels: b.labels,
    source_external_id: b.source_external_id,
    parent_channel: b.parent_channel,
    failure_reason: b.failure_reason,
    build_time: b.build_time,
    created_at: b.created_at,
  };
}

export function presentRevocation(v: VersionState, model: RegistryReadModel) {
  const r = model.revocation(v.id);
  if (!r) return { revoke_at: null, revocation_message: null, revocation_author: null, revocation_type: null, revocation_inherited_from: null };
  const from = r.inherited_from ? model.buckets.get(r.inherited_from.bucket)?.by_id.get(r.inherited_from.version_id) : undefined;
  return {
    revoke_at: r.revoke_at,
    revocation_message: r.reason,
    revocation_author: r.author,
    revocation_type: r.revocation_type,
    revocation_inherited_from: r.inherited_from
      ? { bucket: r.inherited_from.bucket, version_id: r.inherited_from.version_id, version_name: from?.name ?? null, version_fingerprint: from?.fingerprint ?? null }
      : null,
  };
}

export function presentVersion(v: VersionState, model: RegistryReadModel) {
  return {
    id: v.id,
    bucket: v.bucket,
    fingerprint: v.fingerprint,
    name: v.name,
    status: model.statusOf(v),
    ...presentRevocation(v, model),
    expected_builds: v.expected_builds,
    builds: v.builds.map(presentBuild),
    channels: model.liveChannels(v.bucket).filter((c) => model.servedVersion(c)?.id === v.id).map((c) => c.name),
    has_descendants: model.childrenOf(v).length > 0,
    author: v.created_by,
    created_at: v.created_at,
    completed_at: v.completed_at,
    updated_at: v.updated_at,
  };
}

export function presentBucket(b: BucketState, model: RegistryReadModel) {
  const live = b.versions.filter((v) => !v.deleted);
  const latestVersion = model.newestUsable(b);
  return {
    name: b.name,
    description: b.description,
    labels: b.labels,
    version_count: live.length,
    latest_version: latestVersion ? { id: latestVersion.id, name: latestVersion.name, fingerprint: latestVersion.fingerprint } : null,
    platforms: latestVersion ? [...new Set(latestVersion.builds.map((x) => x.platform))].sort() : [],
    created_at: b.created_at,
    updated_at: b.updated_at,
  };
}

const versionRef = (model: RegistryReadModel, bucket: string, id: string | null) => {
  if (!id) return null;
  const v = model.buckets.get(bucket)?.by_id.get(id);
  return v ? { id: v.id, name: v.name, fingerprint: v.fingerprint, deleted: v.deleted } : { id, name: null, fingerprint: null, deleted: true };
};

export function presentChannel(c: ChannelState, model: RegistryReadModel) {
  const v = model.servedVersion(c);
  return {
    name: c.name,
    bucket: c.bucket,
    managed: c.managed,
    restricted: c.restricted,
    version: v ? presentVersion(v, model) : null,
    author: c.updated_by,
    created_at: c.created_at,
    updated_at: c.updated_at,
  };
}

export function presentHistoryEntry(h: HistoryEntry, bucket: string, model: RegistryReadModel) {
  return {
    position: h.position,
    at: h.at,
    actor: h.actor,
    action: h.action,
    version: versionRef(model, bucket, h.version_id),
    previous_version: versionRef(model, bucket, h.previous_version_id),
    reason: h.reason,
    promoted_from: h.promoted_from,
    because_revocation_of: h.because_revocation_of,
  };
}
