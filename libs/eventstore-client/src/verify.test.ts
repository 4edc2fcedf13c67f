import { describe, it, expect } from '@jest/globals';
import type { CommitMeta, DomainEvent, StoredCommit } from '@gilt/contracts';
import { commitHash, GENESIS_HASH } from './hash-chain.js';
import { ChainVerifier, verifyCommits } from './verify.js';

// Pure checks of the verifier on commits built in memory (the same chain rule as append()).

const meta = (n: number): CommitMeta => ({
  command_id: `cmd-${n}`,
  actor: 'test',
  occurred_at: '2024-01-01T00:00:00.000Z',
  correlation_id: `cmd-${n}`,
  causation_id: null,
  schema_version: 1,
});

function build(streams: string[]): StoredCommit[] {
  const last = new Map<string, string>();
  return streams.map((stream, i) => {
    const events: DomainEvent[] = [{ type: 'BucketUpdated', bucket: stream, description: `#${i + 1}` }];
    const prev_hash = last.get(stream) ?? GENESIS_HASH;
    const body = { stream, events, meta: meta(i + 1) };
    const hash = commitHash(prev_hash, body);
    last.set(stream, hash);
    return { position: i + 1, ...body, prev_hash, hash };
  });
}

async function* asAsync<T>(items: T[]): AsyncGenerator<T> {
  for (const x of items) yield x;
}

describe('verifyCommits', () => {
  it('accepts an empty log', async () => {
    expect(await verifyCommits([])).toEqual({ ok: true, commits: 0, streams: 0, head: 0, problem: null });
  });

  it('accepts interleaved chains, from an iterable or an async iterable', async () => {
    const log = build(['a', 'b', 'a', 'c', 'b', 'a']);
    const expected = { ok: true, commits: 6, streams: 3, head: 6, problem: null };
    expect(await verifyCommits(log)).toEqual(expected);
    expect(await verifyCommits(asAsync(log))).toEqual(expected);
  });

  it('chains per aggregate: the first commit of each aggregate starts from genesis', () => {
    const log = build(['a', 'b', 'a']);
    expect(log[0]!.prev_hash).toBe(GENESIS_HASH);
    expect(log[1]!.prev_hash).toBe(GENESIS_HASH);
    expect(log[2]!.prev_hash).toBe(log[0]!.hash);
  });

  it('hashes are sensitive to the previous hash and to every part of the body', () => {
    const [c] = build(['a']);
    const body = { stream: c!.stream, events: c!.events, meta: c!.meta };
    expect(commitHash('x', body)).not.toBe(c!.hash);
    expect(commitHash(GENESIS_HASH, { ...body, stream: 'b' })).not.toBe(c!.hash);
    expect(commitHash(GENESIS_HASH, { ...body, meta: { ...body.meta, actor: 'other' } })).not.toBe(c!.hash);
    expect(commitHash(GENESIS_HASH, { ...body, events: [] })).not.toBe(c!.hash);
    // Extra fields of a stored commit (position, hashes) are not part of the hashed body.
    expect(commitHash(GENESIS_HASH, c!)).toBe(c!.hash);
  });

  it('reports a log that does not start at position 1 as a gap at 1', async () => {
    const report = await verifyCommits(build(['a', 'a', 'a']).slice(1));
    expect(report).toMatchObject({ ok: false, commits: 0, head: 0, problem: { position: 1, stream: null, kind: 'gap' } });
  });

  it('reports a commit moved to another aggregate', async () => {
    const log = build(['a', 'b', 'a']);
    log[2] = { ...log[2]!, stream: 'b' };
    // It points at a's chain, not b's.
    expect((await verifyCommits(log)).problem).toMatchObject({ position: 3, stream: 'b', kind: 'broken-chain' });
  });

  it('reports a forged commit appended at the end with a valid hash but a stale prev_hash', async () => {
    const log = build(['a', 'a']);
    const body = { stream: 'a', events: [{ type: 'BucketDeleted', bucket: 'a' }] as DomainEvent[], meta: meta(99) };
    log.push({ position: 3, ...body, prev_hash: log[0]!.hash, hash: commitHash(log[0]!.hash, body) });
    expect((await verifyCommits(log)).problem).toMatchObject({ position: 3, stream: 'a', kind: 'broken-chain' });
  });

  it('stops at the first problem in log order and counts what was good before it', async () => {
    const log = build(['a', 'b', 'a', 'b', 'a']);
    (log[1]!.events[0] as { description: string }).description = 'edited';
    log.splice(3, 1);
    const report = await verifyCommits(log);
    expect(report).toMatchObject({ ok: false, commits: 1, head: 1, problem: { position: 2, kind: 'hash-mismatch' } });
  });

  it('reports progress every 10 000 commits', async () => {
    const log = build(Array.from({ length: 20_500 }, (_, i) => `s${i % 7}`));
    const progress: number[] = [];
    const report = await verifyCommits(log, (n) => progress.push(n));
    expect(report).toMatchObject({ ok: true, commits: 20_500, streams: 7 });
    expect(progress).toEqual([10_000, 20_000]);
  });
});

describe('ChainVerifier', () => {
  it('continues a log from where it is: the next position, and each aggregate chained to its last hash', () => {
    const log = build(['a', 'b', 'a', 'c', 'a']);
    const heads = new Map([
      ['a', log[2]!.hash],
      ['b', log[1]!.hash],
    ]);
    const chain = new ChainVerifier(4, (stream) => heads.get(stream) ?? GENESIS_HASH);
    expect(chain.check(log[3]!)).toBeNull();
    expect(chain.check(log[4]!)).toBeNull();
    expect(chain.report(null)).toEqual({ ok: true, commits: 2, streams: 2, head: 5, problem: null });
    // Started anywhere else, the same commits do not fit.
    expect(new ChainVerifier(4).check(log[4]!)).toMatchObject({ position: 4, kind: 'gap' });
    expect(new ChainVerifier(5).check(log[4]!)).toMatchObject({ position: 5, kind: 'broken-chain', stream: 'a' });
  });
});
