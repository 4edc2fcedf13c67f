/**
 * Commands as they travel over NATS from the gateway to the services. Every command carries
 * `command_id` (the idempotency key: it becomes the Nats-Msg-Id) and the acting principal.
 */
import type { Artifact } from './events.js';

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

/** One build as published: either done with artifacts, or failed. */
export interface PublishedBuild {
  name: string;
  builder_type: string;
  status: 'DONE' | 'FAILED';
  platform: string;
  packer_run_uuid: string;
  artifacts: Artifact[];
  labels: Record<string, string>;
  source_external_id: string | null;
  parent_channel: { bucket: string; channel: string } | null;
  parent_version_id: string | null;
  build_time: number | null;
  failure_reason?: string;
}

export interface RecordBuildsPayload {
  bucket: string;
  /** Version id, fingerprint or name. */
  version: string;
  builds: PublishedBuild[];
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
