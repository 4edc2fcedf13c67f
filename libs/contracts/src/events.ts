/**
 * Domain events, as stored in the log. Every event names its bucket so any projection can
 * route it without knowing which aggregate stream it came from.
 */

export interface Artifact {
  external_id: string;
  /** Cloud region, or '' where the platform has none (azure managed images, docker, gce). */
  region: string;
}

/** A build is identified by its name and its builder type (HCL2 allows two sources of different types with one name). */
export interface BuildKey {
  name: string;
  builder_type: string;
}

export interface BuildRecord extends BuildKey {
  build_id: string;
  platform: string;
  packer_run_uuid: string;
  artifacts: Artifact[];
  labels: Record<string, string>;
  /** The image this build started from (e.g. the source AMI), when known. */
  source_external_id: string | null;
  /** A parent named as bucket:channel when the build was published; the channel is kept for out-of-date checks. */
  parent_channel: { bucket: string; channel: string } | null;
  /** The parent version when it was resolved through the registry (a `bucket:channel` parent). */
  parent_version_id: string | null;
  build_time: number | null;
}

export interface BucketCreated {
  type: 'BucketCreated';
  bucket: string;
  description: string;
  labels: Record<string, string>;
}
export interface BucketUpdated {
  type: 'BucketUpdated';
  bucket: string;
  description?: string;
  labels?: Record<string, string>;
}
export interface BucketDeleted {
  type: 'BucketDeleted';
  bucket: string;
}
export interface VersionStarted {
  type: 'VersionStarted';
  bucket: string;
  version_id: string;
  fingerprint: string;
  /** Builds that must all be in before the version completes; null = complete on request. */
  expected_builds: string[] | null;
}
export interface BuildCompleted {
  type: 'BuildCompleted';
  bucket: string;
  version_id: string;
  build: BuildRecord;
}
export interface BuildFailed {
  type: 'BuildFailed';
  bucket: string;
  version_id: string;
  build_id: string;
  name: string;
  builder_type: string;
  reason: string;
}
export interface VersionCompleted {
  type: 'VersionCompleted';
  bucket: string;
  version_id: string;
  /** `v1`, `v2`, … in order of completion within the bucket. */
  name: string;
}
export interface VersionDeleted {
  type: 'VersionDeleted';
  bucket: string;
  version_id: string;
}

export type BucketEvent =
  | BucketCreated
  | BucketUpdated
  | BucketDeleted
  | VersionStarted
  | BuildCompleted
  | BuildFailed
  | VersionCompleted
  | VersionDeleted;

export interface ChannelCreated {
  type: 'ChannelCreated';
  bucket: string;
  channel: string;
  restricted: boolean;
}
export interface ChannelAssigned {
  type: 'ChannelAssigned';
  bucket: string;
  channel: string;
  version_id: string;
  previous_version_id: string | null;
  reason: string | null;
  /** Set when the assignment copied another channel's version (promotion). */
  promoted_from: string | null;
}
export interface ChannelUnassigned {
  type: 'ChannelUnassigned';
  bucket: string;
  channel: string;
  previous_version_id: string | null;
  reason: string | null;
}
export interface ChannelRolledBack {
  type: 'ChannelRolledBack';
  bucket: string;
  channel: string;
  from_version_id: string | null;
  /** null: no earlier valid assignment exists and the channel is now empty. */
  to_version_id: string | null;
  reason: string | null;
  /** The revocation that caused the rollback, when there was one. */
  because_revocation_of: string | null;
}
export interface ChannelRestricted {
  type: 'ChannelRestricted';
  bucket: string;
  channel: string;
  restricted: boolean;
}
export interface ChannelDeleted {
  type: 'ChannelDeleted';
  bucket: string;
  channel: string;
}

export type ChannelEvent =
  | ChannelCreated
  | ChannelAssigned
  | ChannelUnassigned
  | ChannelRolledBack
  | ChannelRestricted
  | ChannelDeleted;

export type RevocationType = 'MANUAL' | 'INHERITED';

export interface VersionRef {
  bucket: string;
  version_id: string;
}

/** A channel moved off a revoked version (or planned to), as recorded on the revocation. */
export interface PlannedRollback {
  bucket: string;
  channel: string;
  to_version_id: string | null;
}

export interface RevocationScheduled {
  type: 'RevocationScheduled';
  bucket: string;
  version_id: string;
  revoke_at: string;
  reason: string;
  revocation_type: RevocationType;
  inherited_from: VersionRef | null;
  skip_descendants: boolean;
  disable_rollback: boolean;
}
export interface RevocationCancelled {
  type: 'RevocationCancelled';
  bucket: string;
  version_id: string;
  reason: string | null;
}
export interface VersionRevoked {
  type: 'VersionRevoked';
  bucket: string;
  version_id: string;
  revoked_at: string;
  reason: string;
  revocation_type: RevocationType;
  inherited_from: VersionRef | null;
  skip_descendants: boolean;
  disable_rollback: boolean;
  /** Channels that will move off this version; `to_version_id: null` means the channel is left empty. */
  channel_rollbacks: PlannedRollback[];
}
export interface VersionRestored {
  type: 'VersionRestored';
  bucket: string;
  version_id: string;
  reason: string | null;
  /** Set when this restore came with the restore of the ancestor it inherited from. */
  restored_with: VersionRef | null;
}

export type RevocationEvent = RevocationScheduled | RevocationCancelled | VersionRevoked | VersionRestored;

/**
 * Webhooks (stream `webhook.<id>`). They are registry configuration, not image facts, so they
 * name no bucket; projections that route by bucket skip them (see isWebhookEvent).
 */
export interface WebhookRegistered {
  type: 'WebhookRegistered';
  webhook_id: string;
  url: string;
  /** Public event types (`channel.assigned`), `<kind>.*`, or `*`. */
  events: string[];
  /** Only events of these buckets; empty: every bucket. */
  buckets: string[];
  description: string;
  /** The signing secret, encrypted (AES-256-GCM) with a key kept outside the log: exports never carry it. */
  secret: SealedSecret;
}
export interface SealedSecret {
  alg: 'aes-256-gcm';
  key_id: string;
  iv: string;
  tag: string;
  ciphertext: string;
}
export interface WebhookDeleted {
  type: 'WebhookDeleted';
  webhook_id: string;
}
/** One HTTP attempt of one delivery; `final` once it succeeded or no attempt is left. */
export interface WebhookDeliveryAttempted {
  type: 'WebhookDeliveryAttempted';
  webhook_id: string;
  delivery_id: string;
  event_id: string;
  attempt: number;
  at: string;
  status_code: number | null;
  duration_ms: number;
  error: string | null;
  ok: boolean;
  final: boolean;
}
/** An admin asked to send a delivery's event again: a new delivery with fresh attempts. */
export interface WebhookRedeliveryRequested {
  type: 'WebhookRedeliveryRequested';
  webhook_id: string;
  delivery_id: string;
  event_id: string;
  redelivery_of: string;
}

export type WebhookEvent = WebhookRegistered | WebhookDeleted | WebhookDeliveryAttempted | WebhookRedeliveryRequested;
export const isWebhookEvent = (e: { type: string }): e is WebhookEvent => e.type.startsWith('Webhook');

export type DomainEvent = BucketEvent | ChannelEvent | RevocationEvent | WebhookEvent;
export type EventType = DomainEvent['type'];

/** Who did it and why; stored with every commit. */
export interface CommitMeta {
  command_id: string;
  actor: string;
  occurred_at: string;
  correlation_id: string;
  causation_id: string | null;
  schema_version: number;
}

/** One commit as read back from the log: all events of one command, atomically. */
export interface StoredCommit {
  /** Global position: the JetStream sequence. */
  position: number;
  /** Aggregate stream id, e.g. `bucket.ubuntu-base`. */
  stream: string;
  events: DomainEvent[];
  meta: CommitMeta;
  prev_hash: string;
  hash: string;
}

export const EVENT_SCHEMA_VERSION = 1;
