import {
  cloudEventType,
  isWebhookEvent,
  MANAGED_CHANNEL,
  PUBLIC_EVENT_SOURCE,
  publicEventId,
  type AssignCause,
  type CloudEvent,
  type EmptiedCause,
  type PublicArtifact,
  type PublicBuild,
  type PublicChannel,
  type PublicEventData,
  type PublicEventType,
  type PublicRevocation,
  type PublicVersion,
  type PublicVersionRef,
  type RevocationScheduled,
  type StoredCommit,
  type VersionRevoked,
} from '@gilt/contracts';
import type { VersionState } from '../bucket/bucket-state.js';
import type { RegistryReadModel } from '../read-model/registry-read-model.js';

interface Draft {
  type: PublicEventType;
  subject: string;
  data: PublicEventData[PublicEventType];
}

/**
 * The public events one commit stands for, in order. Pure: the same commit and model give the
 * same events, which is what makes the ids (`<position>-<index>`) stable across replays.
 *
 * `model` must be the read model AFTER applying `commit`: one `gilt publish` commit starts,
 * fills and completes a version, which only exists once applied; values from before the commit
 * come from the events themselves (previous_version_id, from_version_id), and versions stay
 * findable by id after deletion. The model's clock should be the commit's time, so statuses
 * that depend on time (a scheduled revocation that has passed) read as they did then.
 *
 * Moves of the managed `latest` channel have no event of their own (the read model derives
 * them); they are found in its history at this commit's position.
 */
export function toPublicEvents(commit: StoredCommit, model: RegistryReadModel, source: string = PUBLIC_EVENT_SOURCE): CloudEvent[] {
  const m = new Mapper(commit, model);
  const touched = new Set<string>();
  for (const e of commit.events) {
    if (isWebhookEvent(e)) continue;
    touched.add(e.bucket);
    switch (e.type) {
      case 'BucketCreated':
        m.push('bucket.created', `buckets/${e.bucket}`, { bucket: { name: e.bucket, description: e.description, labels: e.labels }, actor: m.actor });
        break;
      case 'BucketDeleted':
        m.push('bucket.deleted', `buckets/${e.bucket}`, { bucket: { name: e.bucket }, actor: m.actor });
        break;
      case 'VersionCompleted': {
        const v = m.versionState(e.bucket, e.version_id);
        m.push('version.completed', m.versionSubject(e.bucket, e.version_id), {
          bucket: { name: e.bucket },
          version: m.version(e.bucket, e.version_id),
          builds: v ? v.builds.map((b) => m.build(v, b)) : [],
          artifacts: m.artifacts(e.bucket, e.version_id),
          actor: m.actor,
        });
        break;
      }
      case 'ChannelAssigned': {
        const base = {
          ...m.channelBase(e.bucket, e.channel, e.reason),
          version: m.version(e.bucket, e.version_id),
          previous_version: m.ref(e.bucket, e.previous_version_id),
          artifacts: m.artifacts(e.bucket, e.version_id),
        };
        if (e.promoted_from !== null) m.push('channel.promoted', m.channelSubject(e.bucket, e.channel), { ...base, promoted_from: e.promoted_from });
        m.assigned(e.bucket, e.channel, { ...base, cause: e.promoted_from !== null ? 'promoted' : 'assigned', promoted_from: e.promoted_from });
        break;
      }
      case 'ChannelUnassigned':
        m.emptied(e.bucket, e.channel, e.reason, e.previous_version_id, 'unassigned');
        break;
      case 'ChannelRolledBack': {
        const base = m.channelBase(e.bucket, e.channel, e.reason);
        const to = e.to_version_id;
        m.push('channel.rolled_back', m.channelSubject(e.bucket, e.channel), {
          ...base,
          version: to ? m.version(e.bucket, to) : null,
          previous_version: m.ref(e.bucket, e.from_version_id),
          because_revocation_of: m.ref(e.bucket, e.because_revocation_of),
          artifacts: to ? m.artifacts(e.bucket, to) : [],
        });
        if (to) {
          m.assigned(e.bucket, e.channel, {
            ...base,
            version: m.version(e.bucket, to),
            previous_version: m.ref(e.bucket, e.from_version_id),
            artifacts: m.artifacts(e.bucket, to),
            cause: 'rolled_back',
            promoted_from: null,
          });
        } else m.emptied(e.bucket, e.channel, e.reason, e.from_version_id, 'rolled_back');
        break;
      }
      case 'RevocationScheduled':
        m.push('version.revocation_scheduled', m.versionSubject(e.bucket, e.version_id), {
          bucket: { name: e.bucket },
          version: m.version(e.bucket, e.version_id),
          revocation: m.revocation(e, e.revoke_at),
          artifacts: m.artifacts(e.bucket, e.version_id),
          actor: m.actor,
        });
        break;
      case 'RevocationCancelled':
        m.push('version.revocation_cancelled', m.versionSubject(e.bucket, e.version_id), {
          bucket: { name: e.bucket },
          version: m.version(e.bucket, e.version_id),
          reason: e.reason,
          artifacts: m.artifacts(e.bucket, e.version_id),
          actor: m.actor,
        });
        break;
      case 'VersionRevoked':
        m.push('version.revoked', m.versionSubject(e.bucket, e.version_id), {
          bucket: { name: e.bucket },
          version: m.version(e.bucket, e.version_id),
          revocation: m.revocation(e, e.revoked_at),
          channels_rolled_back: e.channel_rollbacks.map((r) => ({ bucket: r.bucket, channel: r.channel, to_version: m.ref(r.bucket, r.to_version_id) })),
          artifacts: m.artifacts(e.bucket, e.version_id),
          actor: m.actor,
        });
        break;
      case 'VersionRestored':
        m.push('version.restored', m.versionSubject(e.bucket, e.version_id), {
          bucket: { name: e.bucket },
          version: m.version(e.bucket, e.version_id),
          reason: e.reason,
          restored_with: e.restored_with ? { bucket: e.restored_with.bucket, version: m.ref(e.restored_with.bucket, e.restored_with.version_id)! } : null,
          artifacts: m.artifacts(e.bucket, e.version_id),
          actor: m.actor,
        });
        break;
      default:
        break;
    }
  }
  for (const bucket of touched) m.latestMoves(bucket);
  return m.drafts.map((d, i) => ({
    specversion: '1.0',
    id: publicEventId(commit.position, i),
    source,
    type: cloudEventType(d.type),
    subject: d.subject,
    time: commit.meta.occurred_at,
    datacontenttype: 'application/json',
    data: d.data,
  }));
}

/** Lookups and shapes shared by the cases above. */
class Mapper {
  readonly drafts: Draft[] = [];
  readonly actor: string;

  constructor(
    private readonly commit: StoredCommit,
    private readonly model: RegistryReadModel,
  ) {
    this.actor = commit.meta.actor;
  }

  push<T extends PublicEventType>(type: T, subject: string, data: PublicEventData[T]): void {
    this.drafts.push({ type, subject, data });
  }

  channelSubject = (bucket: string, channel: string) => `buckets/${bucket}/channels/${channel}`;

  versionSubject(bucket: string, id: string): string {
    const v = this.versionState(bucket, id);
    return `buckets/${bucket}/versions/${v?.completed_at ? v.name : id}`;
  }

  /** By id, deleted or not: events may name a version deleted since (a rollback's `from`). */
  versionState(bucket: string, id: string): VersionState | undefined {
    return this.model.buckets.get(bucket)?.by_id.get(id);
  }

  ref(bucket: string, id: string | null): PublicVersionRef | null {
    if (id === null) return null;
    const v = this.versionState(bucket, id);
    return { id, name: v?.completed_at ? v.name : null, fingerprint: v?.fingerprint ?? null };
  }

  version(bucket: string, id: string): PublicVersion {
    const v = this.versionState(bucket, id);
    if (!v) return { id, name: null, fingerprint: null, status: 'UNKNOWN', created_at: this.commit.meta.occurred_at, completed_at: null };
    return { id, name: v.completed_at ? v.name : null, fingerprint: v.fingerprint, status: this.model.statusOf(v), created_at: v.created_at, completed_at: v.completed_at };
  }

  artifacts(bucket: string, id: string): PublicArtifact[] {
    const v = this.versionState(bucket, id);
    return (v?.builds ?? [])
      .filter((b) => b.status === 'DONE')
      .flatMap((b) => b.artifacts.map((a) => ({ build: b.name, platform: b.platform, external_id: a.external_id, region: a.region })));
  }

  build(v: VersionState, b: VersionState['builds'][number]): PublicBuild {
    return {
      name: b.name,
      builder_type: b.builder_type,
      platform: b.platform,
      status: b.status,
      artifacts: b.artifacts.map((a) => ({ external_id: a.external_id, region: a.region })),
      source_external_id: b.source_external_id,
      parent: this.parentOf(v, b),
    };
  }

  /** The version a build was made from: named at publish time (`bucket:channel`), else found by its source image. */
  private parentOf(v: VersionState, b: VersionState['builds'][number]): PublicBuild['parent'] {
    const byId = b.parent_version_id ? this.model.versions.get(b.parent_version_id) : undefined;
    const found = byId ?? (b.source_external_id ? this.model.searchArtifact(b.source_external_id).find((hit) => hit.version.id !== v.id)?.version : undefined);
    return found ? { bucket: found.bucket, version_id: found.id, version: found.completed_at ? found.name : null } : null;
  }

  channel(bucket: string, name: string): PublicChannel {
    const c = this.model.channels.get(bucket)?.get(name);
    return { name, restricted: c?.restricted ?? false, managed: c?.managed ?? name === MANAGED_CHANNEL };
  }

  channelBase(bucket: string, channel: string, reason: string | null) {
    return { bucket: { name: bucket }, channel: this.channel(bucket, channel), reason, actor: this.actor };
  }

  revocation(e: RevocationScheduled | VersionRevoked, at: string): PublicRevocation {
    return {
      kind: e.revocation_type,
      reason: e.reason,
      actor: this.actor,
      revoke_at: at,
      with_descendants: !e.skip_descendants,
      rollback_channels: !e.disable_rollback,
      inherited_from: e.inherited_from ? { bucket: e.inherited_from.bucket, version: this.ref(e.inherited_from.bucket, e.inherited_from.version_id)! } : null,
    };
  }

  assigned(bucket: string, channel: string, data: Omit<PublicEventData['channel.assigned'], 'cause'> & { cause: AssignCause }): void {
    this.push('channel.assigned', this.channelSubject(bucket, channel), data);
  }

  emptied(bucket: string, channel: string, reason: string | null, previous: string | null, cause: EmptiedCause): void {
    this.push('channel.emptied', this.channelSubject(bucket, channel), { ...this.channelBase(bucket, channel, reason), previous_version: this.ref(bucket, previous), cause });
  }

  /** `latest` moved by this commit (a completion, revocation, restore or deletion): its history has a line at this position. */
  latestMoves(bucket: string): void {
    const history = this.model.channels.get(bucket)?.get(MANAGED_CHANNEL)?.history ?? [];
    // History is in log order: look at its tail only, or a replay would cost O(versions²).
    let first = history.length;
    while (first > 0 && history[first - 1]!.position >= this.commit.position) first--;
    for (const h of history.slice(first)) {
      if (h.position !== this.commit.position) continue;
      const base = { ...this.channelBase(bucket, MANAGED_CHANNEL, h.reason), previous_version: this.ref(bucket, h.previous_version_id) };
      if (h.version_id) {
        this.assigned(bucket, MANAGED_CHANNEL, { ...base, version: this.version(bucket, h.version_id), artifacts: this.artifacts(bucket, h.version_id), cause: 'latest', promoted_from: null });
      } else this.emptied(bucket, MANAGED_CHANNEL, h.reason, h.previous_version_id, 'latest');
    }
  }
}
