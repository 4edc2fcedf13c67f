/**
 * Ancestry answers: a version's parents and children across buckets, to a depth, each with how
 * the child stands against the parent on that edge. Pure over a read model; docs/ancestry.md
 * states the rules.
 */
import {
  MANAGED_CHANNEL,
  type AncestryAnswer,
  type AncestryDirection,
  type AncestryLink,
  type AncestryRelative,
  type AncestryStatus,
} from '@gilt/contracts';
import type { BuildState, VersionState } from '../bucket/bucket-state.js';
import type { RegistryReadModel } from '../read-model/registry-read-model.js';

const RANK: Record<AncestryStatus, number> = { UP_TO_DATE: 0, UNDETERMINED: 1, OUT_OF_DATE: 2 };

/** OUT_OF_DATE over UNDETERMINED over UP_TO_DATE: a known need to rebuild outranks not knowing. */
export function worstStatus(statuses: Iterable<AncestryStatus>): AncestryStatus | null {
  let worst: AncestryStatus | null = null;
  for (const s of statuses) if (worst === null || RANK[s] > RANK[worst]) worst = s;
  return worst;
}

interface LinkJudgement {
  link: AncestryLink;
  /** What the channel the link was judged by serves now. */
  served: VersionState | undefined;
}

/**
 * One build of `child` against `parent`. A channel recorded on the build is the yardstick when it
 * belongs to the parent's bucket; otherwise the parent bucket's `latest` is.
 */
function judge(model: RegistryReadModel, build: BuildState, parent: VersionState): LinkJudgement {
  const recorded = build.parent_channel?.bucket === parent.bucket ? build.parent_channel : null;
  const channel = model.channel(parent.bucket, recorded?.channel ?? MANAGED_CHANNEL);
  const served = channel ? model.servedVersion(channel) : undefined;
  let status: AncestryStatus;
  if (!served) status = 'UNDETERMINED';
  else if (served.id === parent.id) status = 'UP_TO_DATE';
  // A parent that never completed was never in `latest`: it can be neither current nor superseded.
  else if (!recorded && parent.completed_at === null) status = 'UNDETERMINED';
  else status = 'OUT_OF_DATE';
  const link: AncestryLink = {
    name: build.name,
    builder_type: build.builder_type,
    source_external_id: build.source_external_id,
    channel: recorded ? { bucket: recorded.bucket, channel: recorded.channel } : null,
    status,
  };
  return { link, served };
}

/** The edge child → parent: the child's builds that descend from the parent, and the worst of them. */
function edge(model: RegistryReadModel, child: VersionState, parent: VersionState): Omit<AncestryRelative, 'bucket' | 'version' | 'depth' | 'via'> {
  const judged = child.builds.filter((b) => model.parentsOfBuild(b).some((p) => p.id === parent.id)).map((b) => judge(model, b, parent));
  const status = worstStatus(judged.map((j) => j.link.status)) ?? 'UNDETERMINED';
  const decisive = judged.find((j) => j.link.status === status);
  const served = decisive?.served;
  return {
    status,
    channel: decisive?.link.channel ?? null,
    channel_version: served ? { id: served.id, name: served.name, fingerprint: served.fingerprint } : null,
    builds: judged.map((j) => j.link),
  };
}

const versionView = (model: RegistryReadModel, v: VersionState) => ({ id: v.id, name: v.name, fingerprint: v.fingerprint, status: model.statusOf(v) });

/**
 * Relatives in one direction, breadth first: every version once at its nearest depth, `via` the
 * version it was reached from, so diamonds and (bad-data) cycles stay finite.
 */
export function relatives(model: RegistryReadModel, start: VersionState, direction: 'parents' | 'children', depth: number): AncestryRelative[] {
  const found = direction === 'parents' ? model.ancestorsOf(start, depth) : model.descendantsOf(start, depth);
  return found.map((n) => {
    const from = model.versions.get(n.via)!;
    const [child, parent] = direction === 'parents' ? [from, n.version] : [n.version, from];
    return { bucket: n.version.bucket, version: versionView(model, n.version), depth: n.depth, via: n.via, ...edge(model, child, parent) };
  });
}

/** The whole answer to an ancestry query, but for the log position the caller adds. */
export function ancestryOf(model: RegistryReadModel, v: VersionState, direction: AncestryDirection, depth: number): Omit<AncestryAnswer, 'position'> {
  const parents = direction === 'children' ? undefined : relatives(model, v, 'parents', depth);
  const children = direction === 'parents' ? undefined : relatives(model, v, 'children', depth);
  const direct = parents ?? relatives(model, v, 'parents', 1);
  return {
    version: { bucket: v.bucket, ...versionView(model, v) },
    status: worstStatus(direct.filter((p) => p.depth === 1).map((p) => p.status)),
    ...(parents && { parents }),
    ...(children && { children }),
  };
}
