import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as fsp from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import type { DomainEvent, StoredCommit } from '@gilt/contracts';
import { commitHash, GENESIS_HASH } from '@gilt/eventstore-client';
import { run } from './index.js';
import { captureIo, startServer, type FakeServer, type Recorded, type Reply } from './test-support/fake-server.js';

// gilt history, events tail/export/import, verify, incident and admin rebuild against a recording
// server; exported files are real hash chains built here.

let server: FakeServer;
let reply: (req: Recorded) => Reply = () => ({ status: 200, body: {} });
let dir: string;

beforeAll(async () => {
  server = await startServer((req) => reply(req));
  dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'gilt-cli-history-'));
});
afterAll(async () => {
  await server.close();
  await fsp.rm(dir, { recursive: true, force: true });
});
beforeEach(() => {
  server.requests.length = 0;
});

const env = (url = server.url) => ({ GILT_URL: url, GILT_TOKEN: 'tok' });
async function gilt(...argv: string[]) {
  const io = captureIo();
  const code = await run(argv, env(), io);
  return { code, out: io.out, err: io.err };
}
const urls = () => server.requests.map((r) => `${r.method} ${r.url}`);

const event = (position: number, summary: string, reason: string | null = null) => ({
  position,
  index: 0,
  type: 'ChannelAssigned',
  stream: 'channel.ubuntu-base.prod',
  bucket: 'ubuntu-base',
  actor: 'alice',
  occurred_at: `2026-11-25T14:0${position}:00.000Z`,
  command_id: `c${position}`,
  correlation_id: `c${position}`,
  summary,
  reason,
  payload: {},
});

/** A valid exported log: `n` commits over two aggregates, as `gilt events export` writes it. */
function exportedLog(n: number): string[] {
  const last = new Map<string, string>();
  return Array.from({ length: n }, (_, i) => {
    const stream = `bucket.b${i % 2}`;
    const events: DomainEvent[] = [{ type: 'BucketUpdated', bucket: `b${i % 2}`, description: `change ${i + 1}` }];
    const meta = { command_id: `cmd-${i + 1}`, actor: 'ci', occurred_at: '2026-11-25T14:00:00.000Z', correlation_id: `cmd-${i + 1}`, causation_id: null, schema_version: 1 };
    const prev_hash = last.get(stream) ?? GENESIS_HASH;
    const hash = commitHash(prev_hash, { stream, events, meta });
    last.set(stream, hash);
    const c: StoredCommit = { position: i + 1, stream, events, meta, prev_hash, hash };
    return JSON.stringify(c);
  });
}

async function file(name: string, lines: string[]): Promise<string> {
  const p = path.join(dir, name);
  await fsp.writeFile(p, `${lines.join('\n')}\n`);
  return p;
}

describe('gilt history', () => {
  it('asks for the last events of a channel and prints them oldest first: when, who, what, why', async () => {
    reply = () => ({ status: 200, body: { events: [event(3, 'prod -> v3 (was v2)', 'CVE fix'), event(2, 'prod -> v2 (was (empty))')], pagination: { next_page_token: null, head: 9 } } });
    const r = await gilt('history', 'ubuntu-base:prod', '--limit', '2', '--as-of', '2026-11-25T15:00:00Z');
    expect(urls()).toEqual(['GET /v1/events?bucket=ubuntu-base&channel=prod&as_of=2026-11-25T15%3A00%3A00Z&order=desc&page_size=2']);
    expect(r.out).toBe(
      ['WHEN                  WHO    WHAT                      WHY', '2026-11-25 14:02:00Z  alice  prod -> v2 (was (empty))  -', '2026-11-25 14:03:00Z  alice  prod -> v3 (was v2)       CVE fix', ''].join('\n'),
    );
  });

  it('reads latest from its channel history (Gilt moves it, not an event)', async () => {
    reply = () => ({
      status: 200,
      body: { history: [{ at: '2026-11-25T14:05:00.000Z', actor: 'ci', action: 'assigned', version: { id: 'V3', name: 'v3' }, previous_version: { id: 'V2', name: 'v2' }, reason: 'v3 completed' }] },
    });
    const r = await gilt('history', 'ubuntu-base:latest');
    expect(urls()).toEqual(['GET /v1/buckets/ubuntu-base/channels/latest/history?page_size=100']);
    expect(r.out).toContain('latest -> v3 (was v2)  v3 completed');
  });

  it('refuses a bad reference or time as a usage error', async () => {
    expect((await gilt('history', 'x:prod')).code).toBe(2);
    expect((await gilt('history', 'ubuntu-base', '--since', 'monday')).err).toContain('--since must be an RFC 3339 time');
    expect(server.requests).toEqual([]);
  });
});

describe('gilt events tail', () => {
  it('prints the last N matching events, one line each', async () => {
    reply = () => ({ status: 200, body: { events: [event(3, 'prod -> v3 (was v2)', 'CVE fix')], pagination: { next_page_token: null, head: 3 } } });
    const r = await gilt('events', 'tail', '-n', '1', '--bucket', 'ubuntu-base', '--type', 'ChannelAssigned', '--actor', 'alice');
    expect(urls()).toEqual(['GET /v1/events?bucket=ubuntu-base&type=ChannelAssigned&actor=alice&order=desc&page_size=1']);
    expect(r.out).toBe('2026-11-25 14:03:00Z  #3  alice  ubuntu-base: prod -> v3 (was v2)  (CVE fix)\n');
    expect((await gilt('events', 'tail', '--channel', 'prod')).code).toBe(2);
  });
});

describe('gilt verify', () => {
  it('reports the server check: OK, or the first bad commit with exit 1', async () => {
    reply = () => ({ status: 200, body: { ok: true, commits: 12, streams: 4, head: 12, problem: null } });
    expect(await gilt('verify')).toEqual({ code: 0, out: 'OK: the log: 12 commits in 4 aggregates, positions 1-12 without gaps, every hash chain intact\n', err: '' });
    reply = () => ({ status: 200, body: { ok: false, commits: 6, streams: 2, head: 6, problem: { position: 7, stream: 'bucket.a', kind: 'hash-mismatch', message: 'commit 7 of bucket.a was edited: its hash does not match its content' } } });
    expect(await gilt('verify')).toEqual({
      code: 1,
      out: '',
      err: 'gilt: the log: hash-mismatch at position 7: commit 7 of bucket.a was edited: its hash does not match its content; the 6 commits before it are intact\n',
    });
    expect(urls()).toEqual(['GET /v1/verify', 'GET /v1/verify']);
  });

  it('checks an exported file offline and names the line of an edited, missing or unreadable commit', async () => {
    const lines = exportedLog(6);
    expect((await gilt('verify', '--file', await file('good.jsonl', lines))).out).toContain('6 commits in 2 aggregates');
    const edited = await file('edited.jsonl', lines.map((l, i) => (i === 3 ? l.replace('change 4', 'change four') : l)));
    expect((await gilt('verify', '--file', edited)).err).toContain('hash-mismatch at position 4 (line 4): commit 4 of bucket.b1 was edited');
    const missing = await file('missing.jsonl', [...lines.slice(0, 2), ...lines.slice(3)]);
    expect((await gilt('verify', '--file', missing)).err).toContain('gap at position 3 (line 3): commit at position 3 is missing (next found: 4)');
    const moved = await file('moved.jsonl', [lines[0]!, lines[2]!, lines[1]!]);
    expect((await gilt('verify', '--file', moved)).err).toContain('gap at position 2');
    const garbage = await file('garbage.jsonl', [lines[0]!, '{"position": 2', lines[2]!]);
    expect((await gilt('verify', '--file', garbage)).err).toContain('unreadable at position 2 (line 2): line 2 is not a commit');
    expect((await gilt('verify', '--file', path.join(dir, 'nope.jsonl'))).err).toMatch(/^gilt: cannot read .*nope\.jsonl/);
    expect(server.requests).toEqual([]);
  });
});

describe('gilt events export / import', () => {
  it('streams the export to a file and notices one that was cut off', async () => {
    const lines = exportedLog(3);
    let head = 3;
    const srv = createServer((_, res) => {
      res.writeHead(200, { 'content-type': 'application/x-ndjson', 'x-gilt-export-head': String(head) });
      res.end(`${lines.join('\n')}\n`);
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(srv.address() as AddressInfo).port}`;
    try {
      const out = path.join(dir, 'export.jsonl');
      const io = captureIo();
      expect(await run(['events', 'export', '-o', out, '--as-of', '3'], env(url), io)).toBe(0);
      expect(await fsp.readFile(out, 'utf8')).toBe(`${lines.join('\n')}\n`);
      expect(io.err).toBe(`exported 3 commits (log positions 1-3) to ${out}\n`);
      head = 5;
      const cut = captureIo();
      expect(await run(['events', 'export'], env(url), cut)).toBe(1);
      expect(cut.out).toBe(`${lines.join('\n')}\n`);
      expect(cut.err).toBe('gilt: the export stopped at position 3 of 5: run it again\n');
      expect((await gilt('events', 'export', '--format', 'csv')).code).toBe(2);
    } finally {
      await new Promise<void>((r) => srv.close(() => r()));
    }
  });

  it('verifies the file, then sends it in batches and sums up', async () => {
    const lines = exportedLog(5);
    reply = (req) => {
      const commits = (req.json as { commits: StoredCommit[] }).commits;
      return { status: 200, body: { imported: commits.length, skipped: 0, head: commits.at(-1)!.position } };
    };
    const r = await gilt('events', 'import', await file('import.jsonl', lines));
    expect(r.code).toBe(0);
    expect(r.out).toBe(`imported 5 commits from ${path.join(dir, 'import.jsonl')}; the log now ends at position 5\n`);
    expect(server.requests.map((q) => [q.method, q.url, (q.json as { commits: StoredCommit[] }).commits.map((c) => c.position)])).toEqual([['POST', '/v1/events/import', [1, 2, 3, 4, 5]]]);
    expect((server.requests[0]!.json as { commits: StoredCommit[] }).commits[2]).toEqual(JSON.parse(lines[2]!));

    server.requests.length = 0;
    const tampered = await file('tampered.jsonl', lines.map((l, i) => (i === 1 ? l.replace('"actor":"ci"', '"actor":"mallory"') : l)));
    const refused = await gilt('events', 'import', tampered);
    expect(refused).toEqual({ code: 1, out: '', err: `gilt: refusing to import ${tampered}: line 2: commit 2 of bucket.b1 was edited: its hash does not match its content (position 2)\n` });
    expect(server.requests).toEqual([]);
  });
});

describe('gilt incident', () => {
  it('prints the Markdown report, or writes it to a file', async () => {
    reply = () => ({ status: 200, body: { incident: { markdown: '# Incident report: ubuntu-base:v3\n' } } });
    expect((await gilt('incident', 'ubuntu-base:v3', '--as-of', '42')).out).toBe('# Incident report: ubuntu-base:v3\n');
    const out = path.join(dir, 'incident.md');
    expect((await gilt('incident', 'ubuntu-base:v3', '-o', out)).err).toBe(`wrote the incident report to ${out}\n`);
    expect(await fsp.readFile(out, 'utf8')).toBe('# Incident report: ubuntu-base:v3\n');
    expect(urls()).toEqual(['GET /v1/buckets/ubuntu-base/versions/v3/incident?as_of=42', 'GET /v1/buckets/ubuntu-base/versions/v3/incident']);
  });
});

describe('gilt admin rebuild', () => {
  const replica = (service: string, state: string, commits: number) => ({ service, instance: 'h:1', state, commits, total: 100, events: commits, seconds: 0.5, events_per_second: commits * 2, error: state === 'failed' ? 'boom' : null });

  it('starts a rebuild, prints progress while it runs, then a table', async () => {
    let polls = 0;
    reply = (req) => {
      if (req.method === 'POST') return { status: 202, body: { rebuild: { id: 'J1', state: 'running', services: [] } } };
      polls++;
      return polls === 1
        ? { status: 200, body: { rebuild: { id: 'J1', state: 'running', services: [replica('gateway', 'running', 40)] } } }
        : { status: 200, body: { rebuild: { id: 'J1', state: 'done', services: [replica('channels', 'done', 100), replica('gateway', 'done', 100)] } } };
    };
    const r = await gilt('admin', 'rebuild');
    expect(r.code).toBe(0);
    expect(urls()).toEqual(['POST /v1/admin/rebuild', 'GET /v1/admin/rebuild/J1', 'GET /v1/admin/rebuild/J1']);
    expect(r.err).toBe(['rebuild J1 started', 'gateway (h:1): running 40/100 commits, 80 events/s', 'channels (h:1): done 100/100 commits, 200 events/s', 'gateway (h:1): done 100/100 commits, 200 events/s', ''].join('\n'));
    expect(r.out).toBe(['SERVICE   INSTANCE  STATE  COMMITS  EVENTS  SECONDS  EVENTS/S', 'channels  h:1       done   100      100     0.50     200', 'gateway   h:1       done   100      100     0.50     200', ''].join('\n'));
  });

  it('exits 1 naming the replica that failed', async () => {
    reply = (req) =>
      req.method === 'POST' ? { status: 202, body: { rebuild: { id: 'J2', state: 'running', services: [] } } } : { status: 200, body: { rebuild: { id: 'J2', state: 'failed', services: [replica('ancestry', 'failed', 10)] } } };
    const r = await gilt('admin', 'rebuild');
    expect(r.code).toBe(1);
    expect(r.err).toContain('gilt: rebuild J2 failed: ancestry (h:1): failed 10/100 commits, 20 events/s: boom');
  });
});
