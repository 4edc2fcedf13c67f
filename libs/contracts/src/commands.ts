/**
 * Commands as they travel over NATS from the gateway to the services. Every command carries
 * `command_id` (the idempotency key: it becomes the Nats-Msg-Id) and the acting principal.
 */
import type { BuildRecord } from './events.js';

export interface CommandEnvelope<T> {
  command_id: string;
  actor: string;
  role: Role;
  correlation_id: string;
  payload: T;
}

export type Role = 'viewer' | 'contributor' | 'admin';
export const ROLE_RANK: Record<Role, number> = { viewer: 0, contributor: 1, admin: 2 };

/** Reply of every command: what changed and where in the log it landed. */
export interface CommandResult<T = Record<string, unknown>> {
  /** Log position of the commit, or the current head when nothing was written. */
  position: number;
  changed: boolean;
  message: string;
  data: T;
}

export interface CreateBucketPayload {
  bucket: string;
  description?: string;
  labels?: Record<string, string>;
}
export interface UpdateBucketPayload {
  bucket: string;
  description?: string;
  labels?: Record<string, string>;
}
export interface DeleteBucketPayload {
  bucket: string;
}
export interface StartVersionPayload {
  bucket: string;
  fingerprint: string;
  expected_builds?: string[] | null;
}

/** One build as published: either done with artifacts, or failed. Its id is given when it is recorded. */
export interface PublishedBuild extends Omit<BuildRecord, 'build_id'> {
  status: 'DONE' | 'FAILED';
  failure_reason?: string;
}

export interface RecordBuildsPayload {
  bucket: string;
  /** Version id, fingerprint or name. */
  version: string;
  builds: PublishedBuild[];
  /** Record builds whose parent is revoked instead of refusing them (409). */
  allow_revoked_parent?: boolean;
}

/**
 * The whole of one `gilt publish`: creates the bucket and the version if needed, records the
 * builds, and completes the version when its expected builds are in. One atomic commit.
 */
export interface PublishPayload {
  bucket: string;
  fingerprint: string;
  builds: PublishedBuild[];
  /** Names of the builds the version must have. null: the builds given are all there is. */
  expected_builds: string[] | null;
  /** Manifest mode: every expected build not given is recorded as failed. */
  missing_builds_failed: boolean;
  description?: string;
  /** Publish builds whose parent is revoked instead of refusing them (409). */
  allow_revoked_parent?: boolean;
}

export interface CompleteVersionPayload {
  bucket: string;
  version: string;
}
export interface DeleteVersionPayload {
  bucket: string;
  version: string;
}

export interface CreateChannelPayload {
  bucket: string;
  channel: string;
  restricted?: boolean;
  version?: string | null;
  reason?: string | null;
}
export interface AssignChannelPayload {
  bucket: string;
  channel: string;
  /** Version id, fingerprint or name (`v3`). */
  version: string;
  reason?: string | null;
  /** Create the channel if it does not exist yet. */
  create?: boolean;
  /** Compare-and-set: assign only if the channel still points at this version id (null: empty). */
  expected_current?: string | null;
}
export interface UnassignChannelPayload {
  bucket: string;
  channel: string;
  reason?: string | null;
}
export interface RestrictChannelPayload {
  bucket: string;
  channel: string;
  restricted: boolean;
  reason?: string | null;
}
export interface DeleteChannelPayload {
  bucket: string;
  channel: string;
  reason?: string | null;
}
export interface RollbackChannelPayload {
  bucket: string;
  channel: string;
  /** Roll back to this version (must be in the channel's history and valid); default: the previous valid one. */
  to_version?: string | null;
  reason?: string | null;
}
export interface PromoteChannelPayload {
  bucket: string;
  from: string;
  to: string;
  reason?: string | null;
  create?: boolean;
}

/** Revoke now. `version` is an id, fingerprint or name. */
export interface RevokeVersionPayload {
  bucket: string;
  version: string;
  reason: string;
  /** Default false: every descendant, in any bucket, inherits the revocation (as in HCP Packer). */
  skip_descendants?: boolean;
  /** Default false: user channels pointing at a revoked version roll back to their previous valid one. */
  disable_rollback?: boolean;
}
/** Revoke at a future time (RFC 3339, UTC); scheduling again moves the time. */
export interface ScheduleRevocationPayload extends RevokeVersionPayload {
  revoke_at: string;
}
export interface CancelRevocationPayload {
  bucket: string;
  version: string;
  reason?: string | null;
}
export interface RestoreVersionPayload {
  bucket: string;
  version: string;
  reason?: string | null;
  /** Also restore the versions that inherited their revocation from this one. */
  descendants?: boolean;
}

/** A version a revocation touches (or would), root first, then descendants nearest first. */
export interface AffectedVersion {
  bucket: string;
  version_id: string;
  name: string;
  depth: number;
  type: 'MANUAL' | 'INHERITED';
  /** The version this one was reached from (its parent on the walk); null for the root. */
  via: string | null;
}
/** A channel moved off a revoked version (or that would be). `to_version_id: null` leaves it empty. */
export interface ChannelRollbackView {
  bucket: string;
  channel: string;
  from_version_id: string;
  to_version_id: string | null;
  empty: boolean;
  /** `latest`: recomputed by the registry, not rolled back by an event. */
  managed: boolean;
}
/**
 * Reply data of revoke and schedule. The versions and channels involved are not in it (a cascade
 * of 10,000 versions would not fit in a NATS message): the gateway lists them from its own read
 * model with the same plan (planRevocation in @gilt/domain).
 */
export interface RevocationResultData {
  version_id: string;
  status: 'REVOKED' | 'REVOCATION_SCHEDULED';
  revoke_at: string;
  /** Descendant revocations still to write when the reply was sent (large cascades finish in the background). */
  cascade: { total: number; pending: number };
}
/** Reply data of restore. */
export interface RestoreResultData {
  restored: { bucket: string; version_id: string }[];
  /** Channels that rolled back away from a restored version: they stay where they are. */
  rolled_back_channels: { bucket: string; channel: string; from_version_id: string; now_version_id: string | null; at: string }[];
}

export interface RegisterWebhookPayload {
  url: string;
  events: string[];
  buckets: string[];
  description: string;
  /** The HMAC key; the notifier seals it before it goes into the log. null: the notifier makes one and answers it once. */
  secret: string | null;
}
export interface DeleteWebhookPayload {
  webhook_id: string;
}
export interface RedeliverPayload {
  webhook_id: string;
  delivery_id: string;
}
export interface ListDeliveriesQuery {
  webhook_id: string;
  /** Only deliveries older than this one's sequence (the page cursor). */
  before: number | null;
  limit: number;
}

/** A webhook as reads show it: never with its secret. */
export interface WebhookView {
  id: string;
  url: string;
  events: string[];
  buckets: string[];
  description: string;
  created_at: string;
  created_by: string;
}
export interface DeliveryAttemptView {
  attempt: number;
  at: string;
  status_code: number | null;
  duration_ms: number;
  error: string | null;
}
export interface DeliveryView {
  id: string;
  /** Order of creation, newest highest: the page cursor. */
  seq: number;
  event_id: string;
  event_type: string;
  status: 'pending' | 'delivered' | 'failed';
  redelivery_of: string | null;
  created_at: string;
  attempts: DeliveryAttemptView[];
}
