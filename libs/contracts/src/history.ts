import type { DomainEvent, EventType } from './events.js';

/** History, replay and the log as data: as-of reads, the events API, export/import, verify, rebuild. */

/** The moment an as-of read describes: every commit up to `position`, with "now" being `time`. */
export interface AsOfPoint {
  position: number;
  time: string;
}

/** Every event type, for checking a `type` filter; the build fails when a type is added to DomainEvent and not here. */
export const EVENT_TYPES = [
  'BucketCreated',
  'BucketUpdated',
  'BucketDeleted',
  'VersionStarted',
  'BuildCompleted',
  'BuildFailed',
  'VersionCompleted',
  'VersionDeleted',
  'ChannelCreated',
  'ChannelAssigned',
  'ChannelUnassigned',
  'ChannelRolledBack',
  'ChannelRestricted',
  'ChannelDeleted',
  'RevocationScheduled',
  'RevocationCancelled',
  'VersionRevoked',
  'VersionRestored',
  'WebhookRegistered',
  'WebhookDeleted',
  'WebhookDeliveryAttempted',
  'WebhookRedeliveryRequested',
] as const satisfies readonly EventType[];
const everyTypeListed: Exclude<EventType, (typeof EVENT_TYPES)[number]> extends never ? true : false = true;
void everyTypeListed;

/** `gilt.cmd.all.rebuild` request body. */
export interface RebuildRequest {
  job_id: string;
}

/** What one replica reports on the reply subject while it rebuilds: `running` (repeatedly), then `done` or `failed`. */
export interface RebuildProgress {
  job_id: string;
  service: string;
  /** Tells replicas of one service apart. */
  instance: string;
  state: 'running' | 'done' | 'failed';
  /** Commits applied to the new model so far. */
  commits: number;
  /** Log position the rebuild reads up to (it catches up with anything newer before swapping). */
  total: number;
  events: number;
  seconds: number;
  events_per_second: number;
  error: string | null;
}

/** One event as GET /v1/events answers it (and `gilt events tail` prints it). */
export interface EventView {
  position: number;
  index: number;
  type: DomainEvent['type'];
  stream: string;
  bucket: string | null;
  actor: string;
  occurred_at: string;
  command_id: string;
  correlation_id: string;
  causation_id: string | null;
  /** The event in words (version names resolved), as `gilt history` prints it. */
  summary: string;
  reason: string | null;
  payload: DomainEvent;
}
