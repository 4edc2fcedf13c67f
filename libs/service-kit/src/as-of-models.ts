import type { AsOfPoint } from '@gilt/contracts';
import { CommitClock, RegistryReadModel } from '@gilt/domain';
import { countUpTo, type CommitHistory } from './commit-history.js';

interface Replayed {
  /** null: every bucket; else the one bucket whose commits were replayed. */
  bucket: string | null;
  point: AsOfPoint;
  model: RegistryReadModel;
  clock: CommitClock;
  /** Commits applied: what it cost to build and, roughly, what it holds in memory. */
  cost: number;
}

/**
 * Read models of the past, replayed from the commit history. A replay costs ~2-3 µs per commit
 * (test/bench/replay.mjs: ~20 ms for one bucket, ~3 s for the whole log at a million commits),
 * so the last few are kept: as-of reads come in bursts at one moment (every page of a list,
 * every command of an incident review). A model is advanced rather than rebuilt when a later
 * moment is asked for. The budget (in commits replayed) bounds the memory held; the model just
 * built is always kept.
 */
export class AsOfModels {
  private cache: Replayed[] = [];

  constructor(
    private readonly history: CommitHistory,
    private readonly budget = 1_000_000,
  ) {}

  /**
   * The registry as it was at `point`. With `bucket`, only that bucket's commits are replayed:
   * exact for answers that read nothing outside the bucket (resolve, a bucket, a channel's
   * history), and far cheaper on a big log. Synchronous on purpose: the caller answers from it
   * before any other request can advance it.
   */
  model(point: AsOfPoint, bucket: string | null = null): RegistryReadModel {
    const positions = bucket === null ? null : this.history.positionsOf(bucket);
    const cost = positions ? countUpTo(positions, point.position) : point.position;
    const answerAt = Date.parse(point.time);
    let entry = this.take(bucket, point.position);
    if (!entry) {
      this.evict(cost);
      const clock = new CommitClock();
      entry = { bucket, point: { position: 0, time: point.time }, model: new RegistryReadModel(clock.now), clock, cost: 0 };
    }
    const from = entry.point.position;
    if (positions) {
      for (let i = countUpTo(positions, from); i < cost; i++) entry.clock.apply(entry.model, this.history.commit(positions[i]!));
    } else {
      for (let p = from + 1; p <= point.position; p++) entry.clock.apply(entry.model, this.history.commit(p));
    }
    // Same commits, other moment (a time between two commits): only "now" differs.
    entry.clock.answerAt = () => answerAt;
    entry.point = point;
    entry.cost = cost;
    this.cache.push(entry);
    return entry.model;
  }

  /** The cached model of this scope that is at `position`, else the latest one before it (to advance), removed from the cache. */
  private take(bucket: string | null, position: number): Replayed | undefined {
    let best = -1;
    this.cache.forEach((e, i) => {
      if (e.bucket === bucket && e.point.position <= position && (best < 0 || e.point.position > this.cache[best]!.point.position)) best = i;
    });
    return best < 0 ? undefined : this.cache.splice(best, 1)[0];
  }

  /** Least recently used first, until `incoming` more fits the budget: before a replay, so old and new models are not held at once. */
  private evict(incoming: number): void {
    let held = this.cache.reduce((n, e) => n + e.cost, 0);
    while (this.cache.length && held + incoming > this.budget) held -= this.cache.shift()!.cost;
  }
}
