import { isWebhookEvent, type DomainEvent } from '@gilt/contracts';

/** What an event is about, for filtering the log: its bucket, channel and every version it names. */

/** The bucket an event belongs to; null for registry configuration (webhooks), which has none. */
export function bucketOf(e: DomainEvent): string | null {
  return isWebhookEvent(e) ? null : e.bucket;
}

export function channelOf(e: DomainEvent): string | null {
  return 'channel' in e && typeof e.channel === 'string' ? e.channel : null;
}

/** Every version id the event names: its own, a channel's old and new one, the revocation it inherits from or was caused by. */
export function versionIdsOf(e: DomainEvent): string[] {
  switch (e.type) {
    case 'VersionStarted':
    case 'BuildFailed':
    case 'VersionCompleted':
    case 'VersionDeleted':
    case 'RevocationCancelled':
      return [e.version_id];
    case 'BuildCompleted':
      return e.build.parent_version_id ? [e.version_id, e.build.parent_version_id] : [e.version_id];
    case 'ChannelAssigned':
      return present(e.version_id, e.previous_version_id);
    case 'ChannelUnassigned':
      return present(e.previous_version_id);
    case 'ChannelRolledBack':
      return present(e.from_version_id, e.to_version_id, e.because_revocation_of);
    case 'RevocationScheduled':
    case 'VersionRevoked':
      return present(e.version_id, e.inherited_from?.version_id);
    case 'VersionRestored':
      return present(e.version_id, e.restored_with?.version_id);
    default:
      return [];
  }
}

const present = (...ids: (string | null | undefined)[]): string[] => [...new Set(ids.filter((x): x is string => typeof x === 'string'))];
