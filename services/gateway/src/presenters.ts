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

export function presentVersion(v: VersionState, model: RegistryReadModel) {
  return {
    id: v.id,
    bucket: v.bucket,
    fingerprint: v.fingerprint,
    name: v.name,
    status: v.status,
    expected_builds: v.expected_builds,
    builds: v.builds.map(presentBuild),
    channels: model.liveChannels(v.bucket).filter((c) => c.version_id === v.id).map((c) => c.name),
    author: v.created_by,
    created_at: v.created_at,
    completed_at: v.completed_at,
    updated_at: v.updated_at,
  };
}

export function presentBucket(b: BucketState, model: RegistryReadModel) {
  const live = b.versions.filter((v) => !v.deleted);
  const latest = model.channel(b.name, 'latest')?.version_id ?? null;
  const latestVersion = latest ? b.by_id.get(latest) : undefined;
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
  const v = c.version_id ? model.buckets.get(c.bucket)?.by_id.get(c.version_id) : undefined;
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
