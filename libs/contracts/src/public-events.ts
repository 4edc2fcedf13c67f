/**
 * Public events: what downstream automation sees of the log, as CloudEvents 1.0 JSON, on NATS
 * subjects `gilt.public.v1.<type>.<bucket>[.<channel>]` (stream GILT_PUBLIC), by webhook and
 * over Server-Sent Events. This file is the contract: types, subjects and one JSON Schema per
 * type (served at /v1/schemas/<type>). Changing a shape incompatibly means a v2 prefix.
 */
import { PUBLIC_SUBJECT_PREFIX } from './subjects.js';

/** Every public type is `<kind>.<action>`: two subject tokens, so a filter like `channel.assigned.*.prod` works. */
export const PUBLIC_EVENT_TYPES = [
  'version.completed',
  'version.revoked',
  'version.revocation_scheduled',
  'version.revocation_cancelled',
  'version.restored',
  'channel.assigned',
  'channel.promoted',
  'channel.rolled_back',
  'channel.emptied',
  'bucket.created',
  'bucket.deleted',
] as const;
export type PublicEventType = (typeof PUBLIC_EVENT_TYPES)[number];

export const isPublicEventType = (s: unknown): s is PublicEventType => typeof s === 'string' && (PUBLIC_EVENT_TYPES as readonly string[]).includes(s);
/** Types whose subject ends in a channel token. */
export const isChannelEventType = (t: PublicEventType) => t.startsWith('channel.');

/** CloudEvents `type` attribute: `gilt.channel.assigned`. */
export const CLOUD_EVENT_TYPE_PREFIX = 'gilt.';
export const cloudEventType = (t: PublicEventType) => `${CLOUD_EVENT_TYPE_PREFIX}${t}`;
export const publicTypeOf = (ceType: string): PublicEventType | null => {
  const t = ceType.startsWith(CLOUD_EVENT_TYPE_PREFIX) ? ceType.slice(CLOUD_EVENT_TYPE_PREFIX.length) : ceType;
  return isPublicEventType(t) ? t : null;
};

/** Default CloudEvents `source`; (source, id) is unique, so installations that feed one consumer should set their own (GILT_EVENT_SOURCE). */
export const PUBLIC_EVENT_SOURCE = '/gilt';

export interface PublicVersionRef {
  id: string;
  /** null only if the log no longer knows the version (never for the version an event is about). */
  name: string | null;
  fingerprint: string | null;
}
export interface PublicVersion extends PublicVersionRef {
  /** Status as of the event (ACTIVE, REVOKED, REVOCATION_SCHEDULED, …). */
  status: string;
  created_at: string;
  completed_at: string | null;
}
export interface PublicArtifact {
  build: string;
  platform: string;
  external_id: string;
  region: string;
}
export interface PublicChannel {
  name: string;
  restricted: boolean;
  /** true for `latest`, which Gilt moves itself. */
  managed: boolean;
}
export interface PublicBuild {
  name: string;
  builder_type: string;
  platform: string;
  status: string;
  artifacts: { external_id: string; region: string }[];
  source_external_id: string | null;
  parent: { bucket: string; version_id: string; version: string | null } | null;
}
export interface PublicRevocation {
  kind: 'MANUAL' | 'INHERITED';
  reason: string;
  actor: string;
  /** When it took effect (revoked) or will (scheduled). */
  revoke_at: string;
  with_descendants: boolean;
  rollback_channels: boolean;
  inherited_from: { bucket: string; version: PublicVersionRef } | null;
}

/** Why a channel now serves a version (`channel.assigned`) or none (`channel.emptied`). */
export type AssignCause = 'assigned' | 'promoted' | 'rolled_back' | 'latest';
export type EmptiedCause = 'unassigned' | 'rolled_back' | 'latest';

interface Base {
  bucket: { name: string };
  actor: string;
}
interface ChannelBase extends Base {
  channel: PublicChannel;
  reason: string | null;
}

export interface PublicEventData {
  'version.completed': Base & { version: PublicVersion; builds: PublicBuild[]; artifacts: PublicArtifact[] };
  'version.revoked': Base & {
    version: PublicVersion;
    revocation: PublicRevocation;
    channels_rolled_back: { bucket: string; channel: string; to_version: PublicVersionRef | null }[];
    artifacts: PublicArtifact[];
  };
  'version.revocation_scheduled': Base & { version: PublicVersion; revocation: PublicRevocation; artifacts: PublicArtifact[] };
  'version.revocation_cancelled': Base & { version: PublicVersion; reason: string | null; artifacts: PublicArtifact[] };
  'version.restored': Base & { version: PublicVersion; reason: string | null; restored_with: { bucket: string; version: PublicVersionRef } | null; artifacts: PublicArtifact[] };
  'channel.assigned': ChannelBase & {
    version: PublicVersion;
    previous_version: PublicVersionRef | null;
    cause: AssignCause;
    promoted_from: string | null;
    artifacts: PublicArtifact[];
  };
  'channel.promoted': ChannelBase & { version: PublicVersion; previous_version: PublicVersionRef | null; promoted_from: string; artifacts: PublicArtifact[] };
  'channel.rolled_back': ChannelBase & {
    /** null: nothing valid to go back to, the channel is empty (a `channel.emptied` follows). */
    version: PublicVersion | null;
    previous_version: PublicVersionRef | null;
    because_revocation_of: PublicVersionRef | null;
    artifacts: PublicArtifact[];
  };
  'channel.emptied': ChannelBase & { previous_version: PublicVersionRef | null; cause: EmptiedCause };
  'bucket.created': Base & { bucket: { name: string; description: string; labels: Record<string, string> } };
  'bucket.deleted': Base;
}

export interface CloudEvent<T extends PublicEventType = PublicEventType> {
  specversion: '1.0';
  /** `<log position>-<index in that commit>`: the same on every redelivery and replay, increasing in log order. */
  id: string;
  source: string;
  type: string;
  /** `buckets/<b>`, `buckets/<b>/versions/<name>` or `buckets/<b>/channels/<c>`. */
  subject: string;
  time: string;
  datacontenttype: 'application/json';
  data: PublicEventData[T];
}

export const publicEventId = (position: number, index: number) => `${position}-${index}`;

/** Position and index of a public event id; null when it is not one. */
export function parsePublicEventId(id: string): { position: number; index: number } | null {
  const m = /^([1-9][0-9]{0,15})-([0-9]{1,6})$/.exec(id);
  return m ? { position: Number(m[1]), index: Number(m[2]) } : null;
}

/** Orders public event ids as the log does (negative: a before b). */
export function comparePublicEventIds(a: { position: number; index: number }, b: { position: number; index: number }): number {
  return a.position - b.position || a.index - b.index;
}

/** `gilt.public.v1.channel.assigned.ubuntu-base.prod` */
export function publicSubject(type: PublicEventType, bucket: string, channel?: string): string {
  return `${PUBLIC_SUBJECT_PREFIX}.${type}.${bucket}${channel === undefined ? '' : `.${channel}`}`;
}

export function publicSubjectOf(e: CloudEvent): string {
  const type = publicTypeOf(e.type);
  if (!type) throw new Error(`not a public event type: ${e.type}`);
  const channel = (e.data as { channel?: PublicChannel }).channel?.name;
  return publicSubject(type, e.data.bucket.name, channel);
}

// ---------------------------------------------------------------------------------
// JSON Schemas (draft 2020-12). Built from small pieces so every type shares the same
// definitions of a version, an artifact, a channel. Objects stay open (no
// additionalProperties: false): consumers must accept fields added within v1.

type Schema = Record<string, unknown>;
const str: Schema = { type: 'string' };
const nullableStr: Schema = { type: ['string', 'null'] };
const bool: Schema = { type: 'boolean' };
const obj = (properties: Record<string, Schema>, description?: string): Schema => ({
  type: 'object',
  ...(description ? { description } : {}),
  required: Object.keys(properties),
  properties,
});
const nullable = (s: Schema): Schema => ({ ...s, type: [s.type as string, 'null'] });
const arrayOf = (items: Schema): Schema => ({ type: 'array', items });

const versionRef = obj({ id: str, name: nullableStr, fingerprint: nullableStr });
const version = obj(
  { id: str, name: nullableStr, fingerprint: nullableStr, status: str, created_at: str, completed_at: nullableStr },
  'The version this event is about, with its status as of the event',
);
const artifacts = arrayOf(obj({ build: str, platform: str, external_id: str, region: str }));
const channel = obj({ name: str, restricted: bool, managed: bool });
const bucketRef = obj({ name: str });
const crossBucketRef = obj({ bucket: str, version: versionRef });
const revocation = obj({
  kind: { enum: ['MANUAL', 'INHERITED'] },
  reason: str,
  actor: str,
  revoke_at: str,
  with_descendants: bool,
  rollback_channels: bool,
  inherited_from: nullable(crossBucketRef),
});
const build = obj({
  name: str,
  builder_type: str,
  platform: str,
  status: str,
  artifacts: arrayOf(obj({ external_id: str, region: str })),
  source_external_id: nullableStr,
  parent: nullable(obj({ bucket: str, version_id: str, version: nullableStr })),
});
const channelBase = { bucket: bucketRef, channel, reason: nullableStr, actor: str };

const DATA_SCHEMAS: Record<PublicEventType, Schema> = {
  'version.completed': obj({ bucket: bucketRef, version, builds: arrayOf(build), artifacts, actor: str }),
  'version.revoked': obj({
    bucket: bucketRef,
    version,
    revocation,
    channels_rolled_back: arrayOf(obj({ bucket: str, channel: str, to_version: nullable(versionRef) })),
    artifacts,
    actor: str,
  }),
  'version.revocation_scheduled': obj({ bucket: bucketRef, version, revocation, artifacts, actor: str }),
  'version.revocation_cancelled': obj({ bucket: bucketRef, version, reason: nullableStr, artifacts, actor: str }),
  'version.restored': obj({ bucket: bucketRef, version, reason: nullableStr, restored_with: nullable(crossBucketRef), artifacts, actor: str }),
  'channel.assigned': obj({
    ...channelBase,
    version,
    previous_version: nullable(versionRef),
    cause: { enum: ['assigned', 'promoted', 'rolled_back', 'latest'] },
    promoted_from: nullableStr,
    artifacts,
  }),
  'channel.promoted': obj({ ...channelBase, version, previous_version: nullable(versionRef), promoted_from: str, artifacts }),
  'channel.rolled_back': obj({ ...channelBase, version: nullable(version), previous_version: nullable(versionRef), because_revocation_of: nullable(versionRef), artifacts }),
  'channel.emptied': obj({ ...channelBase, previous_version: nullable(versionRef), cause: { enum: ['unassigned', 'rolled_back', 'latest'] } }),
  'bucket.created': obj({ bucket: obj({ name: str, description: str, labels: { type: 'object', additionalProperties: str } }), actor: str }),
  'bucket.deleted': obj({ bucket: bucketRef, actor: str }),
};

const DESCRIPTIONS: Record<PublicEventType, string> = {
  'version.completed': 'A version got all its builds and a name (vN)',
  'version.revoked': 'A version was revoked (now, when its scheduled time came, or inherited from an ancestor)',
  'version.revocation_scheduled': 'A revocation was scheduled for a future time',
  'version.revocation_cancelled': 'A scheduled revocation was cancelled before it took effect',
  'version.restored': 'A revoked version was restored',
  'channel.assigned': 'A channel now serves a version: assigned, promoted, rolled back to, or moved by Gilt (latest)',
  'channel.promoted': "A channel got another channel's version (also published as channel.assigned)",
  'channel.rolled_back': 'A channel went back to an earlier assignment (also channel.assigned, or channel.emptied when nothing valid was left)',
  'channel.emptied': 'A channel no longer serves any version',
  'bucket.created': 'A bucket was created',
  'bucket.deleted': 'A bucket was deleted',
};

/** The JSON Schema of a whole CloudEvent of one type. */
export function publicEventSchema(type: PublicEventType): Schema {
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    title: cloudEventType(type),
    description: DESCRIPTIONS[type],
    type: 'object',
    required: ['specversion', 'id', 'source', 'type', 'subject', 'time', 'datacontenttype', 'data'],
    properties: {
      specversion: { const: '1.0' },
      id: { type: 'string', pattern: '^[1-9][0-9]*-[0-9]+$', description: '<log position>-<index>: stable across redelivery; deduplicate on it' },
      source: str,
      type: { const: cloudEventType(type) },
      subject: str,
      time: { type: 'string', format: 'date-time' },
      datacontenttype: { const: 'application/json' },
      data: DATA_SCHEMAS[type],
    },
  };
}

export const publicEventDescription = (type: PublicEventType) => DESCRIPTIONS[type];
