import type { Artifact, DomainEvent } from '@gilt/contracts';
import type { RegistryReadModel } from '../read-model/registry-read-model.js';

/** A version's name as a reader knows it (`v3`), from its bucket and id. */
export type VersionNamer = (bucket: string, versionId: string) => string;

/** Names from a read model; a version that never completed (or is unknown) goes by its id. */
export const modelNamer =
  (model: RegistryReadModel): VersionNamer =>
  (bucket, id) => {
    const v = model.buckets.get(bucket)?.by_id.get(id);
    return v && v.name !== 'v0' ? v.name : id;
  };

/** One event in words, for timelines: what happened, and why when the event says. */
export interface EventSummary {
  what: string;
  why: string | null;
}

const artifactList = (artifacts: Artifact[]) => artifacts.map((a) => (a.region ? `${a.region}:${a.external_id}` : a.external_id)).join(', ') || 'no artifacts';

/** The same words in the events API, `gilt history` and the incident report. */
export function summarizeEvent(e: DomainEvent, name: VersionNamer): EventSummary {
  const v = (bucket: string, id: string | null) => (id ? name(bucket, id) : '(empty)');
  switch (e.type) {
    case 'BucketCreated':
      return { what: `created bucket ${e.bucket}`, why: e.description || null };
    case 'BucketUpdated': {
      const fields = [e.description !== undefined ? 'description' : null, e.labels !== undefined ? 'labels' : null].filter(Boolean);
      return { what: `updated bucket ${e.bucket} (${fields.join(', ') || 'nothing'})`, why: null };
    }
    case 'BucketDeleted':
      return { what: `deleted bucket ${e.bucket}`, why: null };
    case 'VersionStarted':
      return { what: `started version ${v(e.bucket, e.version_id)} (fingerprint ${e.fingerprint})`, why: null };
    case 'BuildCompleted': {
      const from = e.build.source_external_id ? ` from ${e.build.source_external_id}` : '';
      return { what: `build ${e.build.name} (${e.build.builder_type}) of ${v(e.bucket, e.version_id)} done on ${e.build.platform}${from}: ${artifactList(e.build.artifacts)}`, why: null };
    }
    case 'BuildFailed':
      return { what: `build ${e.name} (${e.builder_type}) of ${v(e.bucket, e.version_id)} failed`, why: e.reason || null };
    case 'VersionCompleted':
      return { what: `completed ${e.name}`, why: null };
    case 'VersionDeleted':
      return { what: `deleted ${v(e.bucket, e.version_id)}`, why: null };
    case 'ChannelCreated':
      return { what: `created channel ${e.channel}${e.restricted ? ' (restricted)' : ''}`, why: null };
    case 'ChannelAssigned': {
      const promoted = e.promoted_from ? `, promoted from ${e.promoted_from}` : '';
      return { what: `${e.channel} -> ${v(e.bucket, e.version_id)} (was ${v(e.bucket, e.previous_version_id)}${promoted})`, why: e.reason };
    }
    case 'ChannelUnassigned':
      return { what: `${e.channel} emptied (was ${v(e.bucket, e.previous_version_id)})`, why: e.reason };
    case 'ChannelRolledBack':
      return { what: `${e.channel} rolled back ${v(e.bucket, e.from_version_id)} -> ${v(e.bucket, e.to_version_id)}`, why: e.reason };
    case 'ChannelRestricted':
      return { what: `${e.channel} ${e.restricted ? 'restricted' : 'unrestricted'}`, why: null };
    case 'ChannelDeleted':
      return { what: `deleted channel ${e.channel}`, why: null };
    case 'RevocationScheduled':
      return { what: `${v(e.bucket, e.version_id)} revocation scheduled for ${e.revoke_at}${inherited(e.inherited_from, name)}`, why: e.reason };
    case 'RevocationCancelled':
      return { what: `${v(e.bucket, e.version_id)} scheduled revocation cancelled`, why: e.reason };
    case 'VersionRevoked': {
      const moved = e.channel_rollbacks.length ? `; channels to roll back: ${e.channel_rollbacks.map((r) => `${r.bucket}:${r.channel}`).join(', ')}` : '';
      return { what: `${v(e.bucket, e.version_id)} revoked${inherited(e.inherited_from, name)}${moved}`, why: e.reason };
    }
    case 'VersionRestored':
      return { what: `${v(e.bucket, e.version_id)} restored${e.restored_with ? ` with ${e.restored_with.bucket}:${name(e.restored_with.bucket, e.restored_with.version_id)}` : ''}`, why: e.reason };
    case 'WebhookRegistered':
      return { what: `webhook ${e.webhook_id} registered for ${e.url}`, why: e.description || null };
    case 'WebhookDeleted':
      return { what: `webhook ${e.webhook_id} deleted`, why: null };
    case 'WebhookDeliveryAttempted':
      return { what: `webhook ${e.webhook_id} delivery ${e.delivery_id} attempt ${e.attempt}: ${e.ok ? 'ok' : 'failed'}${e.status_code ? ` (HTTP ${e.status_code})` : ''}`, why: e.error };
    case 'WebhookRedeliveryRequested':
      return { what: `webhook ${e.webhook_id}: redelivery ${e.delivery_id} of ${e.redelivery_of}`, why: null };
  }
}

const inherited = (from: { bucket: string; version_id: string } | null, name: VersionNamer) => (from ? ` (inherited from ${from.bucket}:${name(from.bucket, from.version_id)})` : '');
