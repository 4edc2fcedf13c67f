import { describe, expect, it } from '@jest/globals';
import type { DomainEvent, StoredCommit } from '@gilt/contracts';
import { CommitHistory } from '@gilt/service-kit';
import type { EventView } from '@gilt/contracts';
import { listEvents, parseEventQuery } from './event-query.js';

const t = (n: number) => new Date(Date.UTC(2026, 0, 1) + n * 60_000).toISOString();

function commit(position: number, actor: string, events: DomainEvent[]): StoredCommit {
  return {
    position,
    stream: `s.${position}`,
    events,
    meta: { command_id: `c${position}`, actor, occurred_at: t(position), correlation_id: `k${position}`, causation_id: null, schema_version: 1 },
    prev_hash: '',
    hash: '',
  };
}

const assign = (bucket: string, channel: string, version_id: string): DomainEvent => ({ type: 'ChannelAssigned', bucket, channel, version_id, previous_version_id: null, reason: `why ${version_id}`, promoted_from: null });

const history = new CommitHistory();
for (const c of [
  commit(1, 'ci', [{ type: 'BucketCreated', bucket: 'app', description: '', labels: {} }]),
  commit(2, 'ci', [{ type: 'BucketCreated', bucket: 'web', description: '', labels: {} }]),
  commit(3, 'ci', [
    { type: 'VersionStarted', bucket: 'app', version_id: 'A1', fingerprint: 'f1', expected_builds: null },
    { type: 'VersionCompleted', bucket: 'app', version_id: 'A1', name: 'v1' },
  ]),
  commit(4, 'alice', [{ type: 'ChannelCreated', bucket: 'app', channel: 'prod', restricted: false }, assign('app', 'prod', 'A1')]),
  commit(5, 'bob', [{ type: 'ChannelCreated', bucket: 'app', channel: 'secret', restricted: true }, assign('app', 'secret', 'A1')]),
  commit(6, 'ci', [{ type: 'WebhookDeleted', webhook_id: 'w1' }]),
  commit(7, 'alice', [{ type: 'VersionRevoked', bucket: 'app', version_id: 'A1', revoked_at: t(7), reason: 'bad', revocation_type: 'MANUAL', inherited_from: null, skip_descendants: true, disable_rollback: false, channel_rollbacks: [] }]),
]) {
  history.record(c);
}

const everything = () => true;
const names = (_: string, id: string) => (id === 'A1' ? 'v1' : id);
const byId = (ref: string) => ref;

function list(q: Record<string, string>, visible: (e: DomainEvent) => boolean = everything, asOf: number | null = null) {
  return listEvents(history, parseEventQuery(q, history, byId, asOf), visible, names);
}
const where = (events: EventView[]) => events.map((e) => `${e.position}.${e.index}`);

/** Follows next_page_token to the end. */
function pages(q: Record<string, string>): string[][] {
  const out: string[][] = [];
  let token: string | null = null;
  do {
    const page = list(token ? { ...q, page_token: token } : q);
    out.push(where(page.events));
    token = page.pagination.next_page_token;
  } while (token);
  return out;
}

describe('events query', () => {
  it('lists every event with its commit, in log order, and in words', () => {
    const page = list({});
    expect(where(page.events)).toEqual(['1.0', '2.0', '3.0', '3.1', '4.0', '4.1', '5.0', '5.1', '6.0', '7.0']);
    expect(page.events[5]).toEqual({
      position: 4,
      index: 1,
      type: 'ChannelAssigned',
      stream: 's.4',
      bucket: 'app',
      actor: 'alice',
      occurred_at: t(4),
      command_id: 'c4',
      correlation_id: 'k4',
      causation_id: null,
      summary: 'prod -> v1 (was (empty))',
      reason: 'why A1',
      payload: assign('app', 'prod', 'A1'),
    });
    expect(page.pagination).toEqual({ next_page_token: null, head: 7 });
  });

  it('pages by position, also inside a commit, oldest or newest first', () => {
    expect(pages({ page_size: '3' })).toEqual([['1.0', '2.0', '3.0'], ['3.1', '4.0', '4.1'], ['5.0', '5.1', '6.0'], ['7.0']]);
    expect(pages({ page_size: '4', order: 'desc' })).toEqual([['7.0', '6.0', '5.1', '5.0'], ['4.1', '4.0', '3.1', '3.0'], ['2.0', '1.0']]);
    const first = list({ page_size: '2' });
    expect(() => list({ page_size: '2', order: 'desc', page_token: first.pagination.next_page_token! })).toThrow('page_token');
  });

  it('filters by bucket, channel, version, type, actor, time and position', () => {
    expect(where(list({ bucket: 'app', type: 'ChannelAssigned,VersionRevoked' }).events)).toEqual(['4.1', '5.1', '7.0']);
    expect(where(list({ bucket: 'app', channel: 'prod' }).events)).toEqual(['4.0', '4.1']);
    expect(where(list({ version: 'A1' }).events)).toEqual(['3.0', '3.1', '4.1', '5.1', '7.0']);
    expect(where(list({ actor: 'alice' }).events)).toEqual(['4.0', '4.1', '7.0']);
    expect(where(list({ since: t(4), until: t(5) }).events)).toEqual(['4.0', '4.1', '5.0', '5.1']);
    expect(where(list({ from_position: '6' }).events)).toEqual(['6.0', '7.0']);
    expect(where(list({ bucket: 'web' }).events)).toEqual(['2.0']);
    expect(where(list({}, everything, 3).events)).toEqual(['1.0', '2.0', '3.0', '3.1']);
  });

  it('leaves out what the asker may not see', () => {
    const viewer = (e: DomainEvent) => !e.type.startsWith('Webhook') && !('channel' in e && e.channel === 'secret');
    expect(where(list({ page_size: '3', order: 'desc' }, viewer).events)).toEqual(['7.0', '4.1', '4.0']);
  });

  it('names the field it cannot read', () => {
    for (const [q, field] of [
      [{ bucket: 'a b' }, 'bucket'],
      [{ channel: 'prod' }, 'channel'],
      [{ type: 'ChannelAssigned,Nope' }, 'type'],
      [{ order: 'sideways' }, 'order'],
      [{ page_size: '501' }, 'page_size'],
      [{ since: 'monday' }, 'since'],
      [{ until: '12' }, 'until'],
      [{ from_position: '0' }, 'from_position'],
      [{ page_token: '!!' }, 'page_token'],
    ] as const) {
      expect(() => parseEventQuery(q, history, byId, null)).toThrow(expect.objectContaining({ response: expect.objectContaining({ details: { field } }) }));
    }
  });
});
