import { describe, expect, it } from '@jest/globals';
import type { DomainEvent, StoredCommit } from '@gilt/contracts';
import { CommitClock, RegistryReadModel } from '@gilt/domain';
import { parseAsOf } from './as-of.js';
import { AsOfModels } from './as-of-models.js';
import { CommitHistory } from './commit-history.js';

// Two buckets whose prod channels move over time; commit n is written at minute n.

const t = (n: number) => new Date(Date.UTC(2026, 0, 1) + n * 60_000).toISOString();

function commit(position: number, events: DomainEvent[], time = t(position)): StoredCommit {
  return {
    position,
    stream: `s.${position}`,
    events,
    meta: { command_id: `c${position}`, actor: 'ci', occurred_at: time, correlation_id: `c${position}`, causation_id: null, schema_version: 1 },
    prev_hash: '',
    hash: '',
  };
}

const created = (bucket: string): DomainEvent[] => [
  { type: 'BucketCreated', bucket, description: '', labels: {} },
  { type: 'ChannelCreated', bucket, channel: 'prod', restricted: false },
];
const version = (bucket: string, id: string, name: string): DomainEvent[] => [
  { type: 'VersionStarted', bucket, version_id: id, fingerprint: id, expected_builds: null },
  { type: 'VersionCompleted', bucket, version_id: id, name },
];
const toProd = (bucket: string, id: string): DomainEvent[] => [{ type: 'ChannelAssigned', bucket, channel: 'prod', version_id: id, previous_version_id: null, reason: null, promoted_from: null }];

function build(): { history: CommitHistory; log: StoredCommit[] } {
  const events: DomainEvent[][] = [created('a'), created('b')];
  for (let i = 1; i <= 20; i++) {
    for (const bucket of ['a', 'b']) {
      events.push(version(bucket, `${bucket}${i}`, `v${i}`));
      events.push(toProd(bucket, `${bucket}${i}`));
    }
  }
  const log = events.map((e, i) => commit(i + 1, e));
  const history = new CommitHistory();
  for (const c of log) history.record(c);
  return { history, log };
}

const prod = (m: RegistryReadModel, bucket: string) => m.channel(bucket, 'prod')?.version_id ?? null;

describe('CommitHistory', () => {
  it('indexes commits by bucket and resolves positions and times to moments', () => {
    const { history } = build();
    expect(history.head).toBe(82);
    expect(history.positionsOf('a').slice(0, 4)).toEqual([1, 3, 4, 7]);
    expect(history.positionsOf('nope')).toEqual([]);
    expect(history.resolve({ kind: 'position', position: 10 })).toEqual({ position: 10, time: t(10) });
    // A time between two commits: everything written up to it, and "now" is that time.
    const between = Date.parse(t(10)) + 30_000;
    expect(history.resolve({ kind: 'time', ms: between })).toEqual({ position: 10, time: new Date(between).toISOString() });
    expect(history.resolve({ kind: 'time', ms: Date.parse(t(0)) })).toEqual({ position: 0, time: t(0) });
    expect(() => history.resolve({ kind: 'position', position: 83 })).toThrow('the log ends at position 82');
    expect(() => history.resolve({ kind: 'time', ms: Date.parse(t(100)) }, Date.parse(t(90)))).toThrow('it is in the future');
  });

  it('stops at the first commit written after the time, even when a writer clock was behind', () => {
    const history = new CommitHistory();
    for (const [p, minute] of [[1, 1], [2, 5], [3, 4], [4, 6]] as const) history.record(commit(p, created(`b${p}`), t(minute)));
    expect(history.positionAt(Date.parse(t(4)))).toBe(1);
    expect(history.positionAt(Date.parse(t(5)))).toBe(3);
    expect(() => history.record(commit(9, created('x')))).toThrow('expected position 5');
  });
});

describe('parseAsOf', () => {
  it('takes a log position or an RFC 3339 time with a zone, and names as_of otherwise', () => {
    expect(parseAsOf(undefined)).toBeUndefined();
    expect(parseAsOf('42')).toEqual({ kind: 'position', position: 42 });
    expect(parseAsOf('2026-11-25T14:02:00+01:00')).toEqual({ kind: 'time', ms: Date.parse('2026-11-25T13:02:00Z') });
    expect(parseAsOf('2026-11-25T14:02Z')).toEqual({ kind: 'time', ms: Date.parse('2026-11-25T14:02:00Z') });
    for (const bad of ['0', '-1', '1.5', 'yesterday', '2026-11-25', '2026-11-25T14:02:00', '2026-13-01T00:00:00Z', '2026-02-30T00:00:00Z', '']) {
      expect(() => parseAsOf(bad)).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED', details: { field: 'as_of' } }));
    }
  });
});

describe('AsOfModels', () => {
  it('replays the log up to a moment: the same state as a replay by hand', () => {
    const { history, log } = build();
    const models = new AsOfModels(history);
    for (const position of [0, 3, 11, 50, 82]) {
      const m = models.model({ position, time: t(position) });
      const byHand = new RegistryReadModel();
      for (const c of log.slice(0, position)) byHand.apply(c);
      expect([position, prod(m, 'a'), prod(m, 'b'), m.position]).toEqual([position, prod(byHand, 'a'), prod(byHand, 'b'), byHand.position]);
    }
  });

  it('replays one bucket only when asked, with the same answer for that bucket', () => {
    const { history } = build();
    const models = new AsOfModels(history);
    const one = models.model({ position: 40, time: t(40) }, 'a');
    const all = models.model({ position: 40, time: t(40) });
    expect(prod(one, 'a')).toBe(prod(all, 'a'));
    expect(one.bucket('a')?.versions.map((v) => v.name)).toEqual(all.bucket('a')?.versions.map((v) => v.name));
    expect(one.bucket('b')).toBeUndefined();
  });

  it('reuses a model for the same moment, advances one to a later moment, and keeps within its budget', () => {
    const { history } = build();
    const models = new AsOfModels(history, 100);
    const first = models.model({ position: 30, time: t(30) });
    expect(models.model({ position: 30, time: t(30) })).toBe(first);
    // Later: the same object moved on, not a second replay.
    const later = models.model({ position: 60, time: t(60) });
    expect(later).toBe(first);
    expect(later.position).toBe(60);
    // Earlier than anything cached: a new replay; the budget (100 commits) cannot hold both.
    const earlier = models.model({ position: 50, time: t(50) });
    expect(earlier).not.toBe(first);
    expect(models.model({ position: 60, time: t(60) })).not.toBe(first);
  });

  it('answers "now" as of the moment: a scheduled revocation counts once its time is before it', () => {
    const history = new CommitHistory();
    const log = [
      commit(1, created('a')),
      commit(2, version('a', 'a1', 'v1')),
      commit(3, toProd('a', 'a1')),
      commit(4, [{ type: 'RevocationScheduled', bucket: 'a', version_id: 'a1', revoke_at: t(10), reason: 'eol', revocation_type: 'MANUAL', inherited_from: null, skip_descendants: true, disable_rollback: false }]),
    ];
    for (const c of log) history.record(c);
    const models = new AsOfModels(history);
    const status = (minute: number) => {
      const m = models.model(history.resolve({ kind: 'time', ms: Date.parse(t(minute)) }, Date.parse(t(99))));
      return m.statusOf(m.versions.get('a1')!);
    };
    expect([status(3), status(5), status(10), status(30)]).toEqual(['ACTIVE', 'REVOCATION_SCHEDULED', 'REVOKED', 'REVOKED']);
  });
});

describe('CommitClock', () => {
  it('applies each commit at the time it was written, so a replay ends the same whenever it runs', () => {
    const log = [
      commit(1, created('a')),
      commit(2, version('a', 'a1', 'v1')),
      commit(3, [{ type: 'RevocationScheduled', bucket: 'a', version_id: 'a1', revoke_at: t(5), reason: 'eol', revocation_type: 'MANUAL', inherited_from: null, skip_descendants: true, disable_rollback: false }]),
      commit(4, version('a', 'a2', 'v2')),
      commit(5, [{ type: 'BucketUpdated', bucket: 'a', description: 'x' }], t(8)),
    ];
    const replayAt = (now: number) => {
      const clock = new CommitClock(() => now);
      const m = new RegistryReadModel(clock.now);
      for (const c of log) clock.apply(m, c);
      return m.channel('a', 'latest')!.history.map((h) => [h.position, h.version_id]);
    };
    // latest went to v2 at 4 (v1 still usable then: its revocation was due at 5), and stayed.
    expect(replayAt(Date.parse(t(100)))).toEqual([
      [2, 'a1'],
      [4, 'a2'],
    ]);
    expect(replayAt(Date.parse(t(100)))).toEqual(replayAt(Date.parse(t(1000))));
  });
});
