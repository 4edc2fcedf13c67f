import type { StoredCommit } from '@gilt/contracts';
import { commitHash, GENESIS_HASH } from './hash-chain.js';

export interface VerifyProblem {
  position: number;
  stream: string | null;
  kind: 'gap' | 'hash-mismatch' | 'broken-chain' | 'unreadable';
  message: string;
}

export interface VerifyReport {
  ok: boolean;
  commits: number;
  streams: number;
  head: number;
  /** The first problem found in log order; verification stops there. */
  problem: VerifyProblem | null;
}

/**
 * Checks commits one at a time, in log order: positions have no gaps, every commit's hash matches
 * its body, and every commit points at its aggregate's previous hash. An edited, removed or
 * reordered commit breaks one of these. It can start mid-log (an import continuing a log): give
 * the next expected position and where to find each aggregate's last hash before that.
 */
export class ChainVerifier {
  private readonly lastHash = new Map<string, string>();
  commits = 0;

  constructor(
    private expected = 1,
    private readonly hashBefore: (stream: string) => string = () => GENESIS_HASH,
  ) {}

  /** Position of the last good commit. */
  get head(): number {
    return this.expected - 1;
  }

  get streams(): number {
    return this.lastHash.size;
  }

  /** Accepts a good commit (it becomes its aggregate's chain head) or names what is wrong with it. */
  check(c: StoredCommit): VerifyProblem | null {
    if (c.position !== this.expected) {
      return { position: this.expected, stream: null, kind: 'gap', message: `commit at position ${this.expected} is missing (next found: ${c.position})` };
    }
    const prev = this.lastHash.get(c.stream) ?? this.hashBefore(c.stream);
    if (c.prev_hash !== prev) {
      return {
        position: c.position,
        stream: c.stream,
        kind: 'broken-chain',
        message: `commit ${c.position} of ${c.stream} points at previous hash ${c.prev_hash.slice(0, 12) || '(genesis)'} but the previous commit of ${c.stream} has ${prev.slice(0, 12) || '(genesis)'}`,
      };
    }
    if (commitHash(c.prev_hash, c) !== c.hash) {
      return { position: c.position, stream: c.stream, kind: 'hash-mismatch', message: `commit ${c.position} of ${c.stream} was edited: its hash does not match its content` };
    }
    this.lastHash.set(c.stream, c.hash);
    this.expected++;
    this.commits++;
    return null;
  }

  report(problem: VerifyProblem | null): VerifyReport {
    return { ok: problem === null, commits: this.commits, streams: this.streams, head: this.head, problem };
  }
}

/** Verifies a whole log (or an exported copy of it) from position 1; stops at the first problem. */
export async function verifyCommits(commits: AsyncIterable<StoredCommit> | Iterable<StoredCommit>, onProgress?: (n: number) => void): Promise<VerifyReport> {
  const chain = new ChainVerifier();
  for await (const c of commits) {
    const problem = chain.check(c);
    if (problem) return chain.report(problem);
    if (onProgress && chain.commits % 10_000 === 0) onProgress(chain.commits);
  }
  return chain.report(null);
}
