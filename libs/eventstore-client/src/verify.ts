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
 * Checks a sequence of commits (in log order, from position 1): positions have no gaps, every
 * commit's hash matches its body, and every commit points at its aggregate's previous hash.
 * An edited, removed or reordered commit breaks one of these.
 */
export async function verifyCommits(commits: AsyncIterable<StoredCommit> | Iterable<StoredCommit>, onProgress?: (n: number) => void): Promise<VerifyReport> {
  const lastHash = new Map<string, string>();
  let expected = 1;
  let count = 0;
  const fail = (problem: VerifyProblem): VerifyReport => ({ ok: false, commits: count, streams: lastHash.size, head: expected - 1, problem });
  for await (const c of commits) {
    if (c.position !== expected) {
      return fail({ position: expected, stream: null, kind: 'gap', message: `commit at position ${expected} is missing (next found: ${c.position})` });
    }
    const prev = lastHash.get(c.stream) ?? GENESIS_HASH;
    if (c.prev_hash !== prev) {
      return fail({
        position: c.position,
        stream: c.stream,
        kind: 'broken-chain',
        message: `commit ${c.position} of ${c.stream} points at previous hash ${c.prev_hash.slice(0, 12) || '(genesis)'} but the previous commit of ${c.stream} has ${prev.slice(0, 12) || '(genesis)'}`,
      });
    }
    if (commitHash(c.prev_hash, c) !== c.hash) {
      return fail({ position: c.position, stream: c.stream, kind: 'hash-mismatch', message: `commit ${c.position} of ${c.stream} was edited: its hash does not match its content` });
    }
    lastHash.set(c.stream, c.hash);
    expected++;
    count++;
    if (onProgress && count % 10_000 === 0) onProgress(count);
  }
  return { ok: true, commits: count, streams: lastHash.size, head: expected - 1, problem: null };
}
