/** Queries as they travel over NATS (`gilt.qry.<service>.<name>`), and their answers. */

/** Which relatives to list; `both` is HCP Packer's ANCESTRY_TYPE_UNSET. */
export type AncestryDirection = 'parents' | 'children' | 'both';

/** How a child stands against its parent (HCP Packer's BucketAncestry status). */
export type AncestryStatus = 'UP_TO_DATE' | 'OUT_OF_DATE' | 'UNDETERMINED';

/** Relatives further away than this are not listed: a walk stays cheap on a wide graph. */
export const MAX_ANCESTRY_DEPTH = 10;

export interface AncestryQuery {
  bucket: string;
  /** Version id, fingerprint or name (`v3`). */
  version: string;
  direction: AncestryDirection;
  /** 1: direct parents and children only; up to MAX_ANCESTRY_DEPTH. */
  depth: number;
  /**
   * Answer only once the service's projection has reached this log position: the asker passes
   * its own, so a client that has just published sees its build in the ancestry.
   */
  min_position: number;
}

export interface ChannelRef {
  bucket: string;
  channel: string;
}

export interface AncestryVersion {
  bucket: string;
  id: string;
  /** `v0` until complete. */
  name: string;
  fingerprint: string;
  /** RUNNING, ACTIVE, FAILED, REVOCATION_SCHEDULED or REVOKED. */
  status: string;
}

/** One build of the child that makes it a child of the parent. */
export interface AncestryLink {
  name: string;
  builder_type: string;
  source_external_id: string | null;
  /** The parent's channel, when the build named its parent as `bucket:channel`. */
  channel: ChannelRef | null;
  status: AncestryStatus;
}

export interface AncestryRelative {
  bucket: string;
  version: Omit<AncestryVersion, 'bucket'>;
  /** 1: a direct parent or child; 2: a grandparent or grandchild; … */
  depth: number;
  /** Id of the version this one was reached from (the asked-for version at depth 1). */
  via: string;
  /** Of the child against the parent on this edge: the worst of its links. */
  status: AncestryStatus;
  /** The channel the parent was taken from (recorded on the build that decided the status), else null. */
  channel: ChannelRef | null;
  /** What that channel, or the parent bucket's `latest` when none was recorded, serves now. */
  channel_version: { id: string; name: string; fingerprint: string } | null;
  /** The child's builds that link the two versions. */
  builds: AncestryLink[];
}

export interface AncestryAnswer {
  version: AncestryVersion;
  /** The worst status of the version against its direct parents; null when it has none. */
  status: AncestryStatus | null;
  /** Present when asked for (direction `parents` or `both`), nearest first. */
  parents?: AncestryRelative[];
  /** Present when asked for (direction `children` or `both`), nearest first. */
  children?: AncestryRelative[];
  /** Log position the answer reflects. */
  position: number;
}
