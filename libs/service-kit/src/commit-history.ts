import type { AsOfPoint, StoredCommit } from '@gilt/contracts';
import { bucketOf } from '@gilt/domain';
import { invalidAsOf, type AsOf } from './as-of.js';

/**
 * Every commit of the log, in memory, as the projection applied it: what as-of reads replay
 * and the events API pages through without a trip to NATS (reading back from JetStream runs at
 * ~120k commits/s; this at memory speed). Costs about as much memory as the read model itself.
 */
export class CommitHistory {
  private readonly commits: StoredCommit[] = [];
  /**
   * Running maximum of occurred_at (ms) up to each position. Writers' clocks may disagree by a
   * little, so times are not strictly in log order; over the running maximum, "the commits up
   * to the first one written after T" is a binary search.
   */
  private times = new Float64Array(1 << 16);
  private readonly byBucket = new Map<string, number[]>();

  record(c: StoredCommit): void {
    if (c.position !== this.commits.length + 1) throw new Error(`commit history expected position ${this.commits.length + 1}, got ${c.position}`);
    this.commits.push(c);
    if (this.commits.length > this.times.length) {
      const grown = new Float64Array(this.times.length * 2);
      grown.set(this.times);
      this.times = grown;
    }
    const i = this.commits.length - 1;
    this.times[i] = Math.max(Date.parse(c.meta.occurred_at), i > 0 ? this.times[i - 1]! : -Infinity);
    let last: string | null = null;
    for (const e of c.events) {
      const b = bucketOf(e);
      if (b === null || b === last) continue;
      const positions = this.byBucket.get(b);
      if (!positions) this.byBucket.set(b, [c.position]);
      else if (positions[positions.length - 1] !== c.position) positions.push(c.position);
      last = b;
    }
  }

  get head(): number {
    return this.commits.length;
  }

  /** The commit at a position (1 … head). */
  commit(position: number): StoredCommit {
    const c = this.commits[position - 1];
    if (!c) throw new RangeError(`no commit at position ${position} (head ${this.head})`);
    return c;
  }

  /** Positions of the commits with an event of this bucket, ascending. */
  positionsOf(bucket: string): readonly number[] {
    return this.byBucket.get(bucket) ?? [];
  }

  /** Where an as-of read stands: a position up to the head, or a time up to now (the future is not history yet). */
  resolve(asOf: AsOf, now = Date.now()): AsOfPoint {
    if (asOf.kind === 'position') {
      if (asOf.position > this.head) throw invalidAsOf(String(asOf.position), `the log ends at position ${this.head}`);
      return { position: asOf.position, time: this.commit(asOf.position).meta.occurred_at };
    }
    const time = new Date(asOf.ms).toISOString();
    if (asOf.ms > now) throw invalidAsOf(time, `it is in the future (server time ${new Date(now).toISOString()})`);
    return { position: this.positionAt(asOf.ms), time };
  }

  /** Number of commits before the first one written after `ms`. */
  positionAt(ms: number): number {
    let lo = 0;
    let hi = this.commits.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.times[mid]! <= ms) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

/** How many of the ascending `positions` are <= `position`. */
export function countUpTo(positions: readonly number[], position: number): number {
  let lo = 0;
  let hi = positions.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (positions[mid]! <= position) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
