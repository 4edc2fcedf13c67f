import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import * as net from 'node:net';
import { jetstreamManager } from '@nats-io/jetstream';
import type { CommitMeta, DomainEvent, StoredCommit } from '@gilt/contracts';
import { findBinary, freePort, startNats, type RunningServer } from '@gilt/testing';
import { EventStore } from './event-store.js';
import { UnsupportedServer, WrongExpectedRevision } from './errors.js';
import { verifyCommits } from './verify.js';
import { commitHash, GENESIS_HASH } from './hash-chain.js';
import { LiveProjection } from './live-projection.js';
import { CommandRunner } from './command-runner.js';

// One nats-server for the file; every describe gets its own stream (and so its own
// positions starting at 1 and its own subject prefix).
let nats: RunningServer;
const stores: EventStore[] = [];

beforeAll(async () => {
  nats = await startNats();
});

afterAll(async () => {
  for (const s of stores) await s.close();
  await nats?.stop();
});

async function open(streamName: string, name?: string): Promise<EventStore> {
  const store = await EventStore.connect({ servers: nats.url, streamName, name });
  stores.push(store);
  return store;
}

function meta(commandId: string = randomUUID()): CommitMeta {
  return {
    command_id: commandId,
    actor: 'test',
    occurred_at: new Date().toISOString(),
    correlation_id: commandId,
    causation_id: null,
    schema_version: 1,
  };
}

const ev = (bucket: string, description: string): DomainEvent => ({ type: 'BucketUpdated', bucket, description });

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

/** Rejects instead of hanging forever: a read that never ends is a bug, not a slow test. */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms))),
  ]);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('append and read', () => {
  let store: EventStore;
  beforeAll(async () => {
    store = await open('T_APPEND');
  });

  it('appends to a new stream with revision 0, then with the right revision, and reads it back', async () => {
    const first = await store.append('bucket.a', [ev('a', 'one'), ev('a', 'two')], { expectedRevision: 0, meta: meta('cmd-a-1') });
    expect(first).toEqual({ position: 1, hash: expect.any(String), duplicate: false });
    expect(first.hash).toMatch(/^[0-9a-f]{64}$/);

    let commits = await store.read('bucket.a');
    expect(commits).toHaveLength(1);
    expect(commits[0]).toMatchObject({
      position: 1,
      stream: 'bucket.a',
      events: [ev('a', 'one'), ev('a', 'two')],
      prev_hash: GENESIS_HASH,
      hash: first.hash,
    });
    expect(commits[0]!.meta.command_id).toBe('cmd-a-1');

    // Another aggregate in between: revisions are per aggregate, positions global.
    const other = await store.append('bucket.b', [ev('b', 'x')], { expectedRevision: 0, meta: meta() });
    expect(other.position).toBe(2);

    // Right revision, without prevHash (fetched from the log) ...
    const second = await store.append('bucket.a', [ev('a', 'three')], { expectedRevision: 1, meta: meta() });
    expect(second.position).toBe(3);
    // ... and with prevHash supplied by the caller.
    const third = await store.append('bucket.a', [ev('a', 'four')], { expectedRevision: 3, prevHash: second.hash, meta: meta() });
    expect(third.position).toBe(4);

    commits = await store.read('bucket.a');
    expect(commits.map((c) => c.position)).toEqual([1, 3, 4]);
    expect(commits[1]!.prev_hash).toBe(first.hash);
    expect(commits[2]!.prev_hash).toBe(second.hash);
    expect(commits.flatMap((c) => c.events.map((e) => (e as { description: string }).description))).toEqual(['one', 'two', 'three', 'four']);
    expect((await store.read('bucket.b')).map((c) => c.position)).toEqual([2]);
    expect(await store.lastCommit('bucket.a')).toMatchObject({ position: 4, hash: third.hash });
    expect(await store.head()).toBe(4);
  });

  it('rejects a wrong revision with WrongExpectedRevision and writes nothing', async () => {
    const head = await store.head();
    // Stale revision, hash fetched client side.
    await expect(store.append('bucket.a', [ev('a', 'stale')], { expectedRevision: 1, meta: meta() })).rejects.toMatchObject({
      name: 'WrongExpectedRevision',
      stream: 'bucket.a',
      expected: 1,
      actual: 4,
    });
    // Stale revision with a hash: the server checks it.
    await expect(
      store.append('bucket.a', [ev('a', 'stale')], { expectedRevision: 3, prevHash: 'whatever', meta: meta() }),
    ).rejects.toMatchObject({ name: 'WrongExpectedRevision', expected: 3, actual: 4 });
    // "New stream" for a stream that exists (how unique names are claimed).
    const err = await store.append('bucket.a', [ev('a', 'again')], { expectedRevision: 0, meta: meta() }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WrongExpectedRevision);
    expect((err as WrongExpectedRevision).actual).toBe(4);
    // A revision for a stream that does not exist yet.
    await expect(store.append('bucket.nope', [ev('nope', 'x')], { expectedRevision: 2, meta: meta() })).rejects.toBeInstanceOf(
      WrongExpectedRevision,
    );
    expect(await store.head()).toBe(head);
    expect(await store.read('bucket.nope')).toEqual([]);
  });

  it('rejects stream ids that would not be one subject', async () => {
    for (const bad of ['', 'a..b', 'a.*', 'a.>', 'a b', '.a', 'a.']) {
      await expect(store.append(bad, [ev('a', 'x')], { expectedRevision: 0, meta: meta() })).rejects.toThrow(/invalid stream id/);
    }
  });

  it('lets exactly one of 20 concurrent appends at one revision win', async () => {
    for (const [stream, revision] of [
      ['bucket.race-new', 0],
      ['bucket.a', (await store.lastCommit('bucket.a'))!.position],
    ] as const) {
      const before = await store.head();
      const results = await Promise.allSettled(
        Array.from({ length: 20 }, (_, i) => store.append(stream, [ev('race', `writer ${i}`)], { expectedRevision: revision, meta: meta() })),
      );
      const won = results.filter((r) => r.status === 'fulfilled');
      const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(19);
      for (const r of lost) expect(r.reason).toBeInstanceOf(WrongExpectedRevision);
      const winner = (won[0] as PromiseFulfilledResult<{ position: number }>).value;
      expect(winner.position).toBe(before + 1);
      expect(await store.head()).toBe(before + 1);
      expect((await store.lastCommit(stream))!.position).toBe(winner.position);
    }
  });
});

describe('idempotent retries', () => {
  let store: EventStore;
  beforeAll(async () => {
    store = await open('T_DEDUP');
  });

  it('writes a retried command once and answers duplicate with the same position', async () => {
    const m = meta('retry-1');
    const first = await store.append('bucket.r', [ev('r', 'one')], { expectedRevision: 0, meta: m });
    expect(first.duplicate).toBe(false);
    const again = await store.append('bucket.r', [ev('r', 'one')], { expectedRevision: 0, meta: m });
    expect(again).toEqual({ position: first.position, hash: first.hash, duplicate: true });
    expect(await store.head()).toBe(first.position);
    expect(await store.read('bucket.r')).toHaveLength(1);
  });

  it('answers duplicate for a retry at revision > 0 too, with or without prevHash', async () => {
    const one = await store.append('bucket.r2', [ev('r2', 'one')], { expectedRevision: 0, meta: meta() });
    const m = meta('retry-2');
    const two = await store.append('bucket.r2', [ev('r2', 'two')], { expectedRevision: one.position, meta: m });
    const head = await store.head();

    // The retry carries the revision the command was decided on, which is stale now.
    const withHash = await store.append('bucket.r2', [ev('r2', 'two')], { expectedRevision: one.position, prevHash: one.hash, meta: m });
    expect(withHash).toEqual({ position: two.position, hash: two.hash, duplicate: true });
    const withoutHash = await store.append('bucket.r2', [ev('r2', 'two')], { expectedRevision: one.position, meta: m });
    expect(withoutHash).toEqual({ position: two.position, hash: two.hash, duplicate: true });

    expect(await store.head()).toBe(head);
    expect((await store.read('bucket.r2')).map((c) => c.position)).toEqual([one.position, two.position]);
  });

  it('a retried command that lost a race still loses (it was never written)', async () => {
    const base = await store.append('bucket.r3', [ev('r3', 'base')], { expectedRevision: 0, meta: meta() });
    await store.append('bucket.r3', [ev('r3', 'winner')], { expectedRevision: base.position, meta: meta() });
    const loser = meta('retry-3');
    for (let i = 0; i < 2; i++) {
      await expect(
        store.append('bucket.r3', [ev('r3', 'loser')], { expectedRevision: base.position, prevHash: base.hash, meta: loser }),
      ).rejects.toBeInstanceOf(WrongExpectedRevision);
    }
    expect((await store.read('bucket.r3')).map((c) => (c.events[0] as { description: string }).description)).toEqual(['base', 'winner']);
  });
});

describe('readAll and subscribe', () => {
  let store: EventStore;
  beforeAll(async () => {
    store = await open('T_READ');
  });

  it('reads commits by position range, in order', async () => {
    const revs = new Map<string, number>();
    for (let i = 1; i <= 12; i++) {
      const stream = `bucket.s${i % 3}`;
      const r = await store.append(stream, [ev(`s${i % 3}`, String(i))], { expectedRevision: revs.get(stream) ?? 0, meta: meta() });
      revs.set(stream, r.position);
      expect(r.position).toBe(i);
    }
    const all = await collect(store.readAll());
    expect(all.map((c) => c.position)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    expect(all.map((c) => (c.events[0] as { description: string }).description)).toEqual(all.map((c) => String(c.position)));

    expect((await collect(store.readAll({ from: 4, to: 9 }))).map((c) => c.position)).toEqual([4, 5, 6, 7, 8, 9]);
    expect((await collect(store.readAll({ from: 7 }))).map((c) => c.position)).toEqual([7, 8, 9, 10, 11, 12]);
    expect((await collect(store.readAll({ to: 2 }))).map((c) => c.position)).toEqual([1, 2]);
    expect((await collect(store.readAll({ from: 5, to: 5 }))).map((c) => c.position)).toEqual([5]);
    expect(await collect(store.readAll({ from: 13 }))).toEqual([]);
    expect(await collect(store.readAll({ from: 9, to: 3 }))).toEqual([]);
    // Past the head: what exists, not a wait for commits that may never come.
    expect((await within(collect(store.readAll({ from: 10, to: 1000 })), 3000, 'readAll past the head')).map((c) => c.position)).toEqual([
      10, 11, 12,
    ]);
  });

  it('subscribe delivers the backlog, reports caughtUp, then live commits', async () => {
    const head = await store.head();
    expect(head).toBeGreaterThanOrEqual(12);
    const seen: number[] = [];
    const sub = await store.subscribe(3, (c) => {
      seen.push(c.position);
    });
    try {
      await within(sub.caughtUp, 5000, 'caughtUp');
      expect(seen).toEqual(Array.from({ length: head - 2 }, (_, i) => i + 3));
      const live = await store.append('bucket.live', [ev('live', 'x')], { expectedRevision: 0, meta: meta() });
      for (let i = 0; i < 100 && !seen.includes(live.position); i++) await sleep(20);
      expect(seen.at(-1)).toBe(live.position);
    } finally {
      await sub.stop();
    }
    // Nothing arrives after stop().
    const count = seen.length;
    await store.append('bucket.live', [ev('live', 'after stop')], { expectedRevision: (await store.lastCommit('bucket.live'))!.position, meta: meta() });
    await sleep(100);
    expect(seen).toHaveLength(count);
  });

  it('subscribe from beyond the head is caught up at once and gets only new commits', async () => {
    const head = await store.head();
    const seen: number[] = [];
    const sub = await store.subscribe(head + 1, (c) => {
      seen.push(c.position);
    });
    try {
      await within(sub.caughtUp, 1000, 'caughtUp');
      expect(seen).toEqual([]);
      const r = await store.append('bucket.fresh', [ev('fresh', 'x')], { expectedRevision: 0, meta: meta() });
      for (let i = 0; i < 100 && seen.length === 0; i++) await sleep(20);
      expect(seen).toEqual([r.position]);
    } finally {
      await sub.stop();
    }
  });

  it('a subscriber restarted from its last position + 1 sees every commit exactly once while appends go on', async () => {
    const start = await store.head();
    const TOTAL = 300;
    const streams = ['bucket.w0', 'bucket.w1', 'bucket.w2', 'bucket.w3'];
    // Four writers, one per aggregate, appending concurrently with the restarts below.
    let written = 0;
    const writers = streams.map(async (stream) => {
      let rev = 0;
      for (let i = 0; i < TOTAL / streams.length; i++) {
        const r = await store.append(stream, [ev(stream, String(i))], { expectedRevision: rev, meta: meta() });
        rev = r.position;
        written++;
        if (i % 15 === 0) await sleep(1);
      }
    });
    const writing = Promise.all(writers);

    const seen: number[] = [];
    let last = start;
    let restarts = 0;
    let writersDone = false;
    void writing.then(() => (writersDone = true));
    for (;;) {
      let count = 0;
      let reached!: () => void;
      const enough = new Promise<void>((r) => (reached = r));
      const sub = await store.subscribe(last + 1, (c) => {
        seen.push(c.position);
        last = c.position;
        if (++count === 25) reached();
      });
      await Promise.race([enough, sleep(200)]);
      await sub.stop();
      restarts++;
      if (writersDone && last === (await store.head())) break;
      if (restarts > 200) throw new Error('subscriber never caught up');
    }
    await writing;
    expect(written).toBe(TOTAL);
    expect(restarts).toBeGreaterThan(3);
    const end = await store.head();
    expect(end).toBe(start + TOTAL);
    expect(seen).toEqual(Array.from({ length: TOTAL }, (_, i) => start + 1 + i));
  });
});

describe('hash chain over the log', () => {
  let store: EventStore;
  let commits: StoredCommit[];
  beforeAll(async () => {
    store = await open('T_CHAIN');
    const revs = new Map<string, number>();
    for (let i = 1; i <= 10; i++) {
      const stream = i % 2 ? 'bucket.odd' : 'bucket.even';
      const r = await store.append(stream, [ev(stream, String(i))], { expectedRevision: revs.get(stream) ?? 0, meta: meta() });
      revs.set(stream, r.position);
    }
    commits = await collect(store.readAll());
  });

  const copy = () => structuredClone(commits);

  it('verifies the log as written', async () => {
    expect(commits).toHaveLength(10);
    const report = await verifyCommits(store.readAll());
    expect(report).toEqual({ ok: true, commits: 10, streams: 2, head: 10, problem: null });
    // Each commit's hash is SHA-256 over the aggregate's previous hash and the body.
    for (const c of commits) expect(commitHash(c.prev_hash, c)).toBe(c.hash);
  });

  it('finds an edited event', async () => {
    const tampered = copy();
    (tampered[5]!.events[0] as { description: string }).description = 'edited';
    const report = await verifyCommits(tampered);
    expect(report.ok).toBe(false);
    expect(report.problem).toMatchObject({ position: 6, stream: 'bucket.even', kind: 'hash-mismatch' });
    expect(report.commits).toBe(5);
  });

  it('finds edited metadata', async () => {
    const tampered = copy();
    tampered[2]!.meta.actor = 'mallory';
    expect((await verifyCommits(tampered)).problem).toMatchObject({ position: 3, kind: 'hash-mismatch' });
  });

  it('finds an edit whose hash was recomputed at the next commit of the aggregate', async () => {
    const tampered = copy();
    const c = tampered[2]!; // position 3, bucket.odd
    (c.events[0] as { description: string }).description = 'edited';
    c.hash = commitHash(c.prev_hash, c);
    expect((await verifyCommits(tampered)).problem).toMatchObject({ position: 5, stream: 'bucket.odd', kind: 'broken-chain' });
  });

  it('finds a removed commit', async () => {
    const tampered = copy();
    tampered.splice(3, 1);
    const report = await verifyCommits(tampered);
    expect(report.problem).toMatchObject({ position: 4, kind: 'gap' });
    expect(report.problem!.message).toMatch(/position 4 is missing/);
  });

  it('finds a removed commit even when the positions are renumbered', async () => {
    const tampered = copy();
    tampered.splice(3, 1);
    tampered.forEach((c, i) => (c.position = i + 1));
    // Position 4 is now the former 5 (bucket.odd), whose predecessor in bucket.odd is 3: fine;
    // the former 6 (bucket.even) now points at the removed 4.
    expect((await verifyCommits(tampered)).problem).toMatchObject({ position: 5, stream: 'bucket.even', kind: 'broken-chain' });
  });

  it('finds two commits of one aggregate swapped', async () => {
    const tampered = copy();
    // Swap the contents of positions 2 and 4 (both bucket.even), keeping positions in order.
    const a = tampered[1]!;
    const b = tampered[3]!;
    tampered[1] = { ...b, position: 2 };
    tampered[3] = { ...a, position: 4 };
    expect((await verifyCommits(tampered)).problem).toMatchObject({ position: 2, stream: 'bucket.even', kind: 'broken-chain' });
  });

  it('finds commits out of log order', async () => {
    const tampered = copy();
    [tampered[6], tampered[7]] = [tampered[7]!, tampered[6]!];
    expect((await verifyCommits(tampered)).problem).toMatchObject({ position: 7, kind: 'gap' });
  });
});

describe('appendRaw: a log copied into another', () => {
  it('reproduces positions and hashes, refuses a commit out of place, and writes a retried one once', async () => {
    const source = await open('T_RAW_SRC');
    const target = await open('T_RAW_DST');
    const revs = new Map<string, number>();
    for (let i = 1; i <= 6; i++) {
      const stream = `bucket.r${i % 2}`;
      const r = await source.append(stream, [ev(`r${i % 2}`, String(i))], { expectedRevision: revs.get(stream) ?? 0, meta: meta() });
      revs.set(stream, r.position);
    }
    const log = await collect(source.readAll());
    // Pipelined, as the import writes them: one connection keeps them in order.
    const previous = new Map<string, number>();
    await Promise.all(
      log.map((c) => {
        const p = previous.get(c.stream) ?? 0;
        previous.set(c.stream, c.position);
        return target.appendRaw(c, p);
      }),
    );
    expect(await collect(target.readAll())).toEqual(log);
    expect(await verifyCommits(target.readAll())).toMatchObject({ ok: true, commits: 6 });

    // Retried within the duplicate window: answered, not written again.
    expect(await target.appendRaw(log[5]!, log[3]!.position)).toEqual({ position: 6, hash: log[5]!.hash, duplicate: true });
    // Out of place: the log is not at position - 1, or the aggregate not at its previous commit.
    const next = { ...log[5]!, position: 8, hash: 'f'.repeat(64) };
    await expect(target.appendRaw(next, 6)).rejects.toBeInstanceOf(WrongExpectedRevision);
    await expect(target.appendRaw({ ...next, position: 7 }, 2)).rejects.toBeInstanceOf(WrongExpectedRevision);
    expect(await target.head()).toBe(6);
    expect(await target.commitAt(3)).toEqual(log[2]);
    expect(await target.commitAt(7)).toBeNull();
  });
});

describe('server checks and stream protection', () => {
  it('refuses a NATS server without JetStream, with a clear message', async () => {
    const port = await freePort();
    const child = spawn(findBinary('nats-server'), ['-a', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
    try {
      await waitForNats(port);
      const started = Date.now();
      const err = await EventStore.connect({ servers: `nats://127.0.0.1:${port}`, streamName: 'T_NOJS' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UnsupportedServer);
      expect((err as Error).message).toMatch(/JetStream is not enabled/);
      expect((err as Error).message).toMatch(/-js/);
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      child.kill('SIGKILL');
      await new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r(undefined) : child.once('exit', r)));
    }
  });

  it('creates the stream with deny_delete / deny_purge, and the server refuses purges and deletes', async () => {
    const store = await open('T_PROTECT');
    const r = await store.append('bucket.p', [ev('p', 'x')], { expectedRevision: 0, meta: meta() });
    const jsm = await jetstreamManager(store.nc);
    const info = await jsm.streams.info('T_PROTECT');
    expect(info.config).toMatchObject({
      deny_delete: true,
      deny_purge: true,
      allow_direct: true,
      discard: 'new',
      storage: 'file',
      subjects: [`${store.subjectFor('x').slice(0, -2)}.>`],
    });
    await expect(jsm.streams.purge('T_PROTECT')).rejects.toThrow();
    await expect(jsm.streams.deleteMessage('T_PROTECT', r.position)).rejects.toThrow();
    expect(await store.head()).toBe(1);
    expect((await store.read('bucket.p')).map((c) => c.position)).toEqual([1]);
  });

  it('reconnecting to an existing log keeps it; a stream that allows purges is refused', async () => {
    const again = await open('T_PROTECT', 'second');
    expect(await again.head()).toBe(1);

    const jsm = await jetstreamManager(again.nc);
    await jsm.streams.add({ name: 'T_UNSAFE', subjects: ['gilt.ev-t_unsafe.>'] });
    await expect(EventStore.connect({ servers: nats.url, streamName: 'T_UNSAFE' })).rejects.toThrow(UnsupportedServer);
    await expect(EventStore.connect({ servers: nats.url, streamName: 'T_UNSAFE' })).rejects.toThrow(/allows deletes or purges/);
  });
});

describe('LiveProjection + CommandRunner across two replicas', () => {
  it('both replicas succeed by retrying on conflict, and no increment is lost', async () => {
    const STREAM = 'bucket.counter';
    const PER_REPLICA = 15;
    const replicas = await Promise.all(
      ['replica-1', 'replica-2'].map(async (name) => {
        const store = await open('T_RUNNER', name);
        const state = { count: 0, applied: [] as number[] };
        const projection = new LiveProjection(store, (c) => {
          for (const e of c.events) if (e.type === 'BucketUpdated') state.count++;
          state.applied.push(c.position);
        });
        await projection.start();
        return { store, state, projection, runner: new CommandRunner(store, projection), decisions: 0 };
      }),
    );
    try {
      const outcomes = await Promise.all(
        replicas.flatMap((rep, r) =>
          Array.from({ length: PER_REPLICA }, (_, i) =>
            rep.runner.run(
              STREAM,
              meta(`inc-${r}-${i}`),
              () => {
                rep.decisions++;
                const next = rep.state.count + 1;
                return { events: [ev('counter', String(next))], result: next };
              },
              -1,
            ),
          ),
        ),
      );
      const total = 2 * PER_REPLICA;
      expect(outcomes.every((o) => o.changed && !o.duplicate)).toBe(true);
      // Every command decided on the state just before it: results are 1..total, once each.
      expect(outcomes.map((o) => o.result).sort((a, b) => a - b)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
      expect(new Set(outcomes.map((o) => o.position)).size).toBe(total);
      // Conflicts happened and were retried (two replicas started at once on one aggregate).
      expect(replicas[0]!.decisions + replicas[1]!.decisions).toBeGreaterThan(total);

      for (const rep of replicas) {
        await rep.projection.catchUp();
        expect(rep.state.count).toBe(total);
        expect(rep.projection.head(STREAM).revision).toBe(total);
      }
      // The log holds 1..total in order, on one unbroken chain.
      const log = await collect(replicas[0]!.store.readAll());
      expect(log.map((c) => (c.events[0] as { description: string }).description)).toEqual(
        Array.from({ length: total }, (_, i) => String(i + 1)),
      );
      expect((await verifyCommits(log)).ok).toBe(true);

      // A replayed command (same id, here one the other replica wrote) is answered as a
      // duplicate without deciding again, and is not a second increment.
      const original = log.find((c) => c.meta.command_id === 'inc-0-0')!;
      let decidedAgain = false;
      const replay = await replicas[1]!.runner.run(
        STREAM,
        meta('inc-0-0'),
        () => {
          decidedAgain = true;
          return { events: [ev('counter', 'replay')], result: 0 };
        },
        -1,
      );
      expect(replay).toEqual({ position: original.position, changed: false, duplicate: true, result: -1 });
      expect(decidedAgain).toBe(false);
      expect(await replicas[1]!.store.head()).toBe(total);
      expect(replicas[1]!.state.count).toBe(total);
    } finally {
      for (const rep of replicas) await rep.projection.stop();
    }
  });

  it('a fresh projection replays the log to the same state', async () => {
    const store = await open('T_RUNNER', 'replica-3');
    let count = 0;
    const projection = new LiveProjection(store, (c) => (count += c.events.length));
    await projection.start();
    try {
      expect(projection.position).toBe(await store.head());
      expect(count).toBe(30);
      await expect(projection.waitFor(projection.position + 1, 100)).rejects.toThrow(/did not reach log position/);
    } finally {
      await projection.stop();
    }
  });
});

/** Waits until a nats-server answers INFO on the port. */
async function waitForNats(port: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = net.connect({ host: '127.0.0.1', port });
      const done = (v: boolean) => {
        socket.destroy();
        resolve(v);
      };
      socket.setTimeout(1000, () => done(false));
      socket.once('error', () => done(false));
      socket.once('data', (d: Buffer) => done(d.toString().startsWith('INFO ')));
    });
    if (ok) return;
    await sleep(50);
  }
  throw new Error(`nats-server on ${port} did not start`);
}
