import { isWebhookEvent, MANAGED_CHANNEL, type BucketEvent, type ChannelEvent, type DomainEvent, type RevocationEvent, type StoredCommit } from '@gilt/contracts';
import { AncestryGraph, walk } from '../ancestry/ancestry-graph.js';
import { evolveBucket, findVersion, type BucketState, type EventContext, type VersionState } from '../bucket/bucket-state.js';
import { evolveChannel, latestMoved, newChannel, type ChannelState } from '../channel/channel-state.js';
import { evolveRevocation, isRevokedAt, type RevocationState } from '../revocation/revocation-state.js';

export type VersionStatus = VersionState['status'] | 'REVOKED' | 'REVOCATION_SCHEDULED';

export interface ArtifactRef {
  bucket: string;
  version_id: string;
  build_id: string;
  external_id: string;
  region: string;
}

const isChannelEvent = (e: DomainEvent): e is ChannelEvent => e.type.startsWith('Channel');
const REVOCATION_EVENTS = new Set(['RevocationScheduled', 'RevocationCancelled', 'VersionRevoked', 'VersionRestored']);
const isRevocationEvent = (e: DomainEvent): e is RevocationEvent => REVOCATION_EVENTS.has(e.type);

/**
 * Everything the registry knows, projected from the log. Pure: fed commits in log order, it
 * ends in the same state every time, which is what replay, `as_of` and export/import rely on.
 */
export class RegistryReadModel {
  position = 0;
  readonly buckets = new Map<string, BucketState>();
  readonly channels = new Map<string, Map<string, ChannelState>>();
  readonly versions = new Map<string, VersionState>();
  readonly revocations = new Map<string, RevocationState>();
  readonly graph = new AncestryGraph();
  private readonly artifacts = new Map<string, ArtifactRef[]>();
  /**
   * Each bucket's completed versions in completion order: `newestUsable` walks it from the end
   * instead of scanning every version, which made replay quadratic (11k commits/s at 1M).
   */
  private readonly completionOrder = new WeakMap<BucketState, VersionState[]>();

  /** `clock` decides what "now" is for time-dependent answers (scheduled revocations); as-of reads pass the past. */
  constructor(public clock: () => number = Date.now) {}

  apply(commit: StoredCommit): void {
    const ctx: EventContext = { at: commit.meta.occurred_at, actor: commit.meta.actor, position: commit.position };
    const touched = new Set<string>();
    for (const e of commit.events) {
      // Webhook configuration and deliveries are the notifier's; the registry has no part in them.
      if (isWebhookEvent(e)) continue;
      touched.add(e.bucket);
      if (isChannelEvent(e)) this.applyChannel(e, ctx);
      else if (isRevocationEvent(e)) this.revocations.set(e.version_id, evolveRevocation(this.revocations.get(e.version_id), e, ctx));
      else this.applyBucket(e, ctx);
    }
    for (const bucket of touched) this.refreshLatest(bucket, ctx, commit.events);
    this.position = commit.position;
  }

  private applyBucket(e: BucketEvent, ctx: EventContext): void {
    const next = evolveBucket(this.buckets.get(e.bucket), e, ctx);
    if (!next) return;
    this.buckets.set(e.bucket, next);
    switch (e.type) {
      case 'BucketCreated': {
        const channels = new Map<string, ChannelState>();
        channels.set(MANAGED_CHANNEL, newChannel(e.bucket, MANAGED_CHANNEL, true, ctx));
        this.channels.set(e.bucket, channels);
        break;
      }
      case 'BucketDeleted':
        for (const v of next.versions) this.versions.delete(v.id);
        for (const c of this.channels.get(e.bucket)?.values() ?? []) {
          c.deleted = true;
          c.version_id = null;
        }
        break;
      case 'VersionStarted':
        this.versions.set(e.version_id, next.by_id.get(e.version_id)!);
        break;
      case 'BuildCompleted':
        this.graph.addBuild(e.version_id, e.build.source_external_id, e.build.parent_version_id);
        for (const a of e.build.artifacts) {
          const refs = this.artifacts.get(a.external_id) ?? [];
          refs.push({ bucket: e.bucket, version_id: e.version_id, build_id: e.build.build_id, external_id: a.external_id, region: a.region });
          this.artifacts.set(a.external_id, refs);
        }
        break;
      case 'VersionCompleted': {
        const v = next.by_id.get(e.version_id);
        if (v?.completed_position !== ctx.position) break;
        const order = this.completionOrder.get(next);
        if (order) order.push(v);
        else this.completionOrder.set(next, [v]);
        break;
      }
      case 'VersionDeleted':
        this.versions.delete(e.version_id);
        break;
      default:
        break;
    }
  }

  private applyChannel(e: ChannelEvent, ctx: EventContext): void {
    let channels = this.channels.get(e.bucket);
    if (!channels) {
      channels = new Map();
      this.channels.set(e.bucket, channels);
    }
    const next = evolveChannel(channels.get(e.channel), e, ctx);
    if (next) channels.set(e.channel, next);
  }

  /** `latest` follows the newest complete, usable version; every move is kept in its history. */
  private refreshLatest(bucket: string, ctx: EventContext, events: DomainEvent[]): void {
    const latest = this.channels.get(bucket)?.get(MANAGED_CHANNEL);
    const b = this.buckets.get(bucket);
    if (!latest || !b || b.deleted) return;
    const target = this.newestUsable(b)?.id ?? null;
    if (target === latest.version_id) return;
    const from = latest.version_id;
    const completed = events.find((e) => e.type === 'VersionCompleted' && e.version_id === target);
    const revoked = events.find((e) => e.type === 'VersionRevoked' && e.version_id === from);
    const restored = events.find((e) => e.type === 'VersionRestored' && e.version_id === target);
    const reason = completed
      ? `${(completed as { name: string }).name} completed`
      : revoked
        ? `${this.nameOf(bucket, from!)} revoked`
        : restored
          ? `${this.nameOf(bucket, target!)} restored`
          : from && !this.versions.has(from)
            ? `${this.nameOf(bucket, from)} deleted`
            : 'previous version no longer usable';
    latestMoved(latest, target, from, ctx, reason);
  }

  private nameOf(bucket: string, versionId: string): string {
    return this.buckets.get(bucket)?.by_id.get(versionId)?.name ?? versionId;
  }

  /** The usable version completed last in `b` (a bucket of this model). */
  newestUsable(b: BucketState): VersionState | undefined {
    const order = this.completionOrder.get(b) ?? [];
    for (let i = order.length - 1; i >= 0; i--) if (this.isAssignable(order[i]!)) return order[i];
    return undefined;
  }

  /** Complete, not deleted, not revoked: the only versions a channel may point at. */
  isAssignable(v: VersionState): boolean {
    return v.completed_at !== null && !v.deleted && !this.isRevoked(v.id);
  }

  isRevoked(versionId: string): boolean {
    return isRevokedAt(this.revocations.get(versionId), this.clock());
  }

  revocation(versionId: string): RevocationState | undefined {
    const r = this.revocations.get(versionId);
    return r && r.status !== 'none' ? r : undefined;
  }

  statusOf(v: VersionState): VersionStatus {
    const r = this.revocations.get(v.id);
    if (isRevokedAt(r, this.clock())) return 'REVOKED';
    if (r?.status === 'scheduled') return 'REVOCATION_SCHEDULED';
    return v.status;
  }

  /** The version a channel serves now. `latest` is recomputed, so a revoke_at that just passed moves it at once. */
  servedVersion(c: ChannelState): VersionState | undefined {
    if (c.managed) {
      const b = this.bucket(c.bucket);
      return b ? this.newestUsable(b) : undefined;
    }
    return c.version_id ? this.buckets.get(c.bucket)?.by_id.get(c.version_id) : undefined;
  }

  /**
   * The versions a build (recorded or about to be) descends from: the one it named through a
   * channel, and every version that has its source image as an artifact.
   */
  parentsOfBuild(b: Pick<VersionState['builds'][number], 'source_external_id' | 'parent_version_id'>): VersionState[] {
    const ids = new Set<string>();
    if (b.parent_version_id) ids.add(b.parent_version_id);
    if (b.source_external_id) for (const ref of this.artifacts.get(b.source_external_id) ?? []) ids.add(ref.version_id);
    return [...ids].map((id) => this.versions.get(id)).filter((x): x is VersionState => x !== undefined);
  }

  parentsOf(v: VersionState): VersionState[] {
    const parents = new Map<string, VersionState>();
    for (const b of v.builds) for (const p of this.parentsOfBuild(b)) if (p.id !== v.id) parents.set(p.id, p);
    return [...parents.values()];
  }

  childrenOf(v: VersionState): VersionState[] {
    const artifactIds = v.builds.flatMap((b) => b.artifacts.map((a) => a.external_id));
    return [...this.graph.childrenOf(v.id, artifactIds)].map((id) => this.versions.get(id)).filter((x): x is VersionState => x !== undefined);
  }

  /** Every version built (directly or transitively) on this one, each once, nearest first. */
  descendantsOf(v: VersionState, maxDepth = Infinity): { version: VersionState; depth: number; via: string }[] {
    return walk(v.id, (id) => (this.versions.has(id) ? this.childrenOf(this.versions.get(id)!).map((c) => c.id) : []), maxDepth).map((n) => ({
      version: this.versions.get(n.id)!,
      depth: n.depth,
      via: n.via,
    }));
  }

  ancestorsOf(v: VersionState, maxDepth = Infinity): { version: VersionState; depth: number; via: string }[] {
    return walk(v.id, (id) => (this.versions.has(id) ? this.parentsOf(this.versions.get(id)!).map((p) => p.id) : []), maxDepth).map((n) => ({
      version: this.versions.get(n.id)!,
      depth: n.depth,
      via: n.via,
    }));
  }

  bucket(name: string): BucketState | undefined {
    const b = this.buckets.get(name);
    return b && !b.deleted ? b : undefined;
  }

  liveBuckets(): BucketState[] {
    return [...this.buckets.values()].filter((b) => !b.deleted).sort((a, b) => a.name.localeCompare(b.name));
  }

  version(bucket: string, ref: string): VersionState | undefined {
    return findVersion(this.bucket(bucket), ref);
  }

  channel(bucket: string, name: string): ChannelState | undefined {
    const c = this.channels.get(bucket)?.get(name);
    return c && !c.deleted && this.bucket(bucket) ? c : undefined;
  }

  liveChannels(bucket: string): ChannelState[] {
    if (!this.bucket(bucket)) return [];
    return [...(this.channels.get(bucket)?.values() ?? [])].filter((c) => !c.deleted).sort((a, b) => a.name.localeCompare(b.name));
  }

  /** User channels (not `latest`) pointing at a version. */
  channelsAssigned(bucket: string, versionId: string): string[] {
    return this.liveChannels(bucket)
      .filter((c) => !c.managed && c.version_id === versionId)
      .map((c) => c.name);
  }

  searchArtifact(externalId: string, filter: { region?: string; platform?: string } = {}): { ref: ArtifactRef; version: VersionState }[] {
    const out: { ref: ArtifactRef; version: VersionState }[] = [];
    for (const ref of this.artifacts.get(externalId) ?? []) {
      const version = this.versions.get(ref.version_id);
      if (!version || !this.bucket(ref.bucket)) continue;
      if (filter.region && ref.region !== filter.region) continue;
      const build = version.builds.find((b) => b.build_id === ref.build_id);
      if (!build || build.status !== 'DONE') continue;
      if (filter.platform && build.platform !== filter.platform) continue;
      out.push({ ref, version });
    }
    return out;
  }
}
