import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fsp from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { REPO_ROOT, runCli, startGilt, type GiltStack } from '@gilt/testing';

// One registry with a story an incident review asks about: base v1 then v2 in prod, app built on
// base v2, base v2 revoked (prod rolls back, app inherits the revocation). Moments in between are
// remembered by log position and by time, and asked about with as_of.

let gilt: GiltStack;
let dir: string;
const ids: Record<string, string> = {};
/** Log position and a time right after each step. */
const at: Record<string, { position: number; time: string }> = {};

const SERVICES = ['ingestion', 'channels', 'ancestry', 'revocation', 'gateway'] as const;
const ami = (label: string) => `ami-${createHash('sha1').update(label).digest('hex').slice(0, 17)}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function manifest(run: string, artifact: string, source?: string) {
  return {
    builds: [
      {
        name: 'amazon-ebs.image',
        builder_type: 'amazon-ebs',
        build_time: 1795250040,
        files: null,
        artifact_id: `us-east-1:${ami(artifact)}`,
        packer_run_uuid: run,
        custom_data: source ? { source_image_id: ami(source) } : {},
      },
    ],
    last_run_uuid: run,
  };
}

async function ok(p: Promise<{ status: number; text: string; body: any }>, status = 200): Promise<any> {
  const r = await p;
  if (r.status !== status) throw new Error(`expected ${status}, got ${r.status}: ${r.text}`);
  return r.body;
}

async function publish(stack: GiltStack, bucket: string, fp: string, source?: string) {
  const body = await ok(stack.request('POST', `/v1/buckets/${bucket}/publish`, { role: 'contributor', body: { manifest: manifest(`run-${fp}`, fp, source), fingerprint: fp } }), 201);
  ids[`${bucket}:${body.version.name}`] = body.version.id;
}

const assign = (stack: GiltStack, bucket: string, channel: string, version: string, reason: string, role: 'contributor' | 'admin' = 'contributor') =>
  ok(stack.request('PUT', `/v1/buckets/${bucket}/channels/${channel}`, { role, body: { version, reason, create: true } }));

/** Remembers where the log is now, then lets the clock move on so the next step is strictly later. */
async function mark(name: string): Promise<void> {
  await sleep(20);
  at[name] = { position: await gilt.logHead(), time: new Date().toISOString() };
  await sleep(20);
}

const get = (urlPath: string, role: 'viewer' | 'contributor' | 'admin' = 'viewer') => ok(gilt.request('GET', urlPath, { role }));
const resolveAmi = async (query: string) => (await get(`/v1/buckets/base/channels/prod/artifact?platform=aws&region=us-east-1${query}`)).external_id;

beforeAll(async () => {
  dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'gilt-history-'));
  gilt = await startGilt({ services: [...SERVICES] });
  await publish(gilt, 'base', 'base-1');
  await assign(gilt, 'base', 'prod', 'v1', 'first release');
  await mark('v1InProd');
  await publish(gilt, 'base', 'base-2');
  await assign(gilt, 'base', 'prod', 'v2', 'CVE patch release');
  await mark('v2InProd');
  await publish(gilt, 'app', 'app-1', 'base-2');
  await assign(gilt, 'app', 'prod', 'v1', 'app on the new base');
  await mark('appReleased');
  await ok(gilt.request('POST', '/v1/buckets/base/versions/v2/revoke', { role: 'contributor', body: { reason: 'kernel panic on boot' } }));
  await mark('v2Revoked');
  await ok(gilt.request('POST', '/v1/buckets/base/channels', { role: 'admin', body: { name: 'secret', restricted: true, version: 'v1' } }), 201);
}, 120_000);

afterAll(async () => {
  await gilt?.stop();
  if (dir) await fsp.rm(dir, { recursive: true, force: true });
});

describe('as_of', () => {
  it('resolves what prod served at a past time or position, and says which moment it answers', async () => {
    expect(await resolveAmi('')).toBe(ami('base-1'));
    expect(await resolveAmi(`&as_of=${at.v1InProd!.time}`)).toBe(ami('base-1'));
    expect(await resolveAmi(`&as_of=${at.v2InProd!.time}`)).toBe(ami('base-2'));
    expect(await resolveAmi(`&as_of=${at.v2InProd!.position}`)).toBe(ami('base-2'));
    const past = await get(`/v1/buckets/base/channels/prod/artifact?platform=aws&as_of=${at.v2InProd!.position}`);
    expect(past.as_of).toEqual({ position: at.v2InProd!.position, time: expect.any(String) });
    expect(past).toMatchObject({ version: { name: 'v2' }, status: 'ACTIVE', revoked: false });
    // Before prod existed.
    const before = await gilt.request('GET', `/v1/buckets/base/channels/prod/artifact?platform=aws&as_of=1`, { role: 'viewer' });
    expect(before.status).toBe(404);
  });

  it('shows channels, versions (with revocation status), buckets and history as they were', async () => {
    const prod = await get(`/v1/buckets/base/channels/prod?as_of=${encodeURIComponent(at.v2InProd!.time)}`);
    expect(prod).toMatchObject({ channel: { version: { name: 'v2', status: 'ACTIVE' } }, as_of: { position: at.v2InProd!.position, time: at.v2InProd!.time } });
    expect((await get('/v1/buckets/base/channels/prod')).channel.version.name).toBe('v1');

    expect((await get(`/v1/buckets/base/versions/v2?as_of=${at.appReleased!.position}`)).version).toMatchObject({ status: 'ACTIVE', revocation_message: null, channels: ['latest', 'prod'] });
    expect((await get(`/v1/buckets/base/versions/v2?as_of=${at.v2Revoked!.position}`)).version).toMatchObject({ status: 'REVOKED', revocation_message: 'kernel panic on boot', channels: [] });
    expect((await get(`/v1/buckets/app/versions/v1?as_of=${at.appReleased!.time}`)).version.status).toBe('ACTIVE');
    expect((await get('/v1/buckets/app/versions/v1')).version).toMatchObject({ status: 'REVOKED', revocation_type: 'INHERITED' });
    const listed = await get(`/v1/buckets/base/versions?as_of=${at.v1InProd!.position}`);
    expect(listed.versions.map((v: any) => v.name)).toEqual(['v1']);

    expect((await get(`/v1/buckets?as_of=${at.v2InProd!.position}`)).buckets.map((b: any) => b.name)).toEqual(['base']);
    expect((await get('/v1/buckets')).buckets.map((b: any) => b.name)).toEqual(['app', 'base']);
    expect((await get(`/v1/buckets/base?as_of=${at.v2InProd!.position}`)).bucket.latest_version.name).toBe('v2');
    expect((await get('/v1/buckets/base')).bucket.latest_version.name).toBe('v1');

    const history = await get(`/v1/buckets/base/channels/prod/history?as_of=${at.v2InProd!.position}`);
    expect(history.history.map((h: any) => [h.action, h.version?.name ?? null])).toEqual([
      ['assigned', 'v2'],
      ['assigned', 'v1'],
      ['created', null],
    ]);
    const now = await get('/v1/buckets/base/channels/prod/history');
    expect(now.history[0]).toMatchObject({ action: 'rolled_back', version: { name: 'v1' }, previous_version: { name: 'v2' } });

    const ancestry = await get(`/v1/buckets/app/versions/v1/ancestry?as_of=${at.appReleased!.position}`);
    expect(ancestry).toMatchObject({ version: { status: 'ACTIVE' }, parents: [{ bucket: 'base', version: { name: 'v2', status: 'ACTIVE' } }], as_of: { position: at.appReleased!.position } });
    const revocation = await get(`/v1/revocations/${ids['base:v2']}?as_of=${at.v2Revoked!.position}`);
    expect(revocation).toMatchObject({ revocation: { reason: 'kernel panic on boot' }, as_of: { position: at.v2Revoked!.position } });
    expect((await gilt.request('GET', `/v1/revocations/${ids['base:v2']}?as_of=${at.appReleased!.position}`, { role: 'viewer' })).status).toBe(404);
  });

  it('refuses an as_of that names no moment, naming the field', async () => {
    const head = await gilt.logHead();
    for (const bad of ['yesterday', '2026-11-25', '2026-11-25T14:02:00', '0', String(head + 1000), '2999-01-01T00:00:00Z']) {
      const r = await gilt.request('GET', `/v1/buckets/base/channels/prod?as_of=${encodeURIComponent(bad)}`, { role: 'viewer' });
      expect([bad, r.status, r.body.details]).toEqual([bad, 400, { field: 'as_of' }]);
    }
  });

  it('is on every CLI read', async () => {
    const env = gilt.env('viewer');
    const resolve = await runCli(['resolve', 'base:prod', '--platform', 'aws', '--as-of', at.v2InProd!.time], env);
    expect(resolve).toMatchObject({ code: 0, stdout: `${ami('base-2')}\n` });
    const channels = await runCli(['channels', 'get', 'base:prod', '--as-of', String(at.v2InProd!.position)], env);
    expect(channels.stdout).toMatch(/version:\s+v2 /);
    const versions = await runCli(['versions', 'list', 'base', '--as-of', at.appReleased!.time], env);
    expect(versions.stdout).toMatch(/v2\s.*ACTIVE/);
    const ancestry = await runCli(['ancestry', 'app:v1', '--as-of', String(at.appReleased!.position)], env);
    expect(ancestry.stdout).toContain('base v2');
  });
});

describe('events', () => {
  it('lists the log filtered by bucket, channel, type, actor and time, paged oldest first', async () => {
    const all = await get('/v1/events?bucket=base&channel=prod');
    expect(all.events.map((e: any) => e.type)).toEqual(['ChannelCreated', 'ChannelAssigned', 'ChannelAssigned', 'ChannelRolledBack']);
    expect(all.events[1]).toMatchObject({ actor: 'contributor-user', summary: 'prod -> v1 (was (empty))', reason: 'first release', stream: 'channel.base.prod', payload: { version_id: ids['base:v1'] } });
    expect(all.events[3]).toMatchObject({ summary: 'prod rolled back v2 -> v1' });
    expect(all.events[1].position).toBeLessThan(all.events[2].position);
    expect(all.pagination).toEqual({ next_page_token: null, head: await gilt.logHead() });

    const first = await get('/v1/events?bucket=base&type=ChannelAssigned,VersionRevoked&page_size=2');
    expect(first.events.map((e: any) => e.type)).toEqual(['ChannelAssigned', 'ChannelAssigned']);
    const second = await get(`/v1/events?bucket=base&type=ChannelAssigned,VersionRevoked&page_size=2&page_token=${first.pagination.next_page_token}`);
    expect(second.events.map((e: any) => [e.type, e.reason])).toEqual([['VersionRevoked', 'kernel panic on boot']]);
    expect(second.pagination.next_page_token).toBeNull();

    const newest = await get('/v1/events?order=desc&page_size=1&actor=admin-user', 'admin');
    expect(newest.events[0]).toMatchObject({ type: 'ChannelAssigned', payload: { channel: 'secret' } });
    const window = await get(`/v1/events?since=${at.v1InProd!.time}&until=${at.v2InProd!.time}`);
    expect(window.events.map((e: any) => e.type)).toEqual(['VersionStarted', 'BuildCompleted', 'VersionCompleted', 'ChannelAssigned']);
    const v2 = await get('/v1/events?bucket=base&version=v2');
    expect(v2.events.map((e: any) => e.type)).toEqual(['VersionStarted', 'BuildCompleted', 'VersionCompleted', 'ChannelAssigned', 'VersionRevoked', 'ChannelRolledBack']);
    const asOf = await get(`/v1/events?bucket=base&as_of=${at.v1InProd!.position}`);
    expect(asOf.events.at(-1)).toMatchObject({ type: 'ChannelAssigned', position: at.v1InProd!.position });

    // Viewers do not see restricted channels here either.
    expect((await get('/v1/events?bucket=base&channel=secret', 'viewer')).events).toEqual([]);
    expect((await get('/v1/events?bucket=base&channel=secret', 'admin')).events).toHaveLength(2);
    for (const [query, field] of [['type=Nope', 'type'], ['channel=prod', 'channel'], ['since=monday', 'since'], ['page_token=zz', 'page_token'], ['order=up', 'order']]) {
      const r = await gilt.request('GET', `/v1/events?${query}`, { role: 'viewer' });
      expect([query, r.status, r.body.details]).toEqual([query, 400, { field }]);
    }
  });

  it('gilt history prints a timeline: when, who, what, why', async () => {
    const r = await runCli(['history', 'base:prod'], gilt.env('viewer'));
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^WHEN\s+WHO\s+WHAT\s+WHY$/);
    expect(lines[2]).toMatch(/contributor-user\s+prod -> v1 \(was \(empty\)\)\s+first release$/);
    expect(lines[3]).toMatch(/prod -> v2 \(was v1\)\s+CVE patch release$/);
    expect(lines[4]).toMatch(/prod rolled back v2 -> v1\s+.*kernel panic on boot/);
    const bucket = await runCli(['history', 'base', '--as-of', String(at.v1InProd!.position)], gilt.env('viewer'));
    expect(bucket.stdout).toContain('created bucket base');
    expect(bucket.stdout).not.toContain('v2');
    const latest = await runCli(['history', 'base:latest'], gilt.env('viewer'));
    expect(latest.stdout).toMatch(/latest -> v1 \(was v2\)\s+v2 revoked/);
  });

  it('gilt events tail prints the last events and -f follows new ones', async () => {
    const last = await runCli(['events', 'tail', '-n', '2', '--bucket', 'base', '--channel', 'prod'], gilt.env('viewer'));
    expect(last.stdout.trim().split('\n')).toEqual([expect.stringMatching(/#\d+ {2}contributor-user {2}base: prod -> v2 \(was v1\) {2}\(CVE patch release\)$/), expect.stringMatching(/base: prod rolled back v2 -> v1/)]);

    const child = spawn(process.execPath, [path.join(REPO_ROOT, 'libs/cli/bin/gilt.js'), 'events', 'tail', '-f', '-n', '1', '--interval', '200', '--bucket', 'base', '--type', 'ChannelAssigned'], {
      env: { ...gilt.env('viewer'), NODE_OPTIONS: '' },
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    try {
      await waitFor(() => out.includes('prod -> v2'));
      await assign(gilt, 'base', 'dev', 'v1', 'followed');
      await waitFor(() => out.includes('dev -> v1'));
      expect(out.trim().split('\n')).toHaveLength(2);
      expect(out).toContain('(followed)');
    } finally {
      child.kill();
    }
  });
});

/** Everything a client can read, per bucket: what must come out the same after an import or a rebuild. */
async function snapshot(stack: GiltStack): Promise<Record<string, unknown>> {
  const read = (urlPath: string) => ok(stack.request('GET', urlPath, { role: 'admin' }));
  const out: Record<string, unknown> = { buckets: await read('/v1/buckets') };
  for (const b of (out.buckets as any).buckets) {
    const versions = await read(`/v1/buckets/${b.name}/versions`);
    const channels = await read(`/v1/buckets/${b.name}/channels`);
    out[`${b.name}/versions`] = versions;
    out[`${b.name}/channels`] = channels;
    for (const v of versions.versions) {
      out[`${b.name}/${v.name}/ancestry`] = await read(`/v1/buckets/${b.name}/versions/${v.id}/ancestry?direction=both&depth=5`);
      const revocation = await stack.request('GET', `/v1/revocations/${v.id}`, { role: 'admin' });
      out[`${b.name}/${v.name}/revocation`] = [revocation.status, revocation.body];
    }
    for (const c of channels.channels) {
      out[`${b.name}/${c.name}/history`] = await read(`/v1/buckets/${b.name}/channels/${c.name}/history`);
      const resolved = await stack.request('GET', `/v1/buckets/${b.name}/channels/${c.name}/artifact?platform=aws`, { role: 'admin' });
      out[`${b.name}/${c.name}/resolve`] = [resolved.status, resolved.body];
    }
  }
  return out;
}

async function waitFor(check: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await sleep(50);
  }
}

describe('export and import', () => {
  let exported: string;
  let other: GiltStack;

  beforeAll(async () => {
    other = await startGilt({ services: ['ingestion', 'channels', 'ancestry', 'gateway'] });
  }, 60_000);
  afterAll(async () => {
    await other?.stop();
  });

  it('exports the log as JSON lines and imports it into an empty Gilt with the same positions, hashes and state', async () => {
    exported = path.join(dir, 'log.jsonl');
    const ex = await runCli(['events', 'export', '--format', 'jsonl', '-o', exported], gilt.env('admin'));
    expect(ex).toMatchObject({ code: 0, stdout: '' });
    const head = await gilt.logHead();
    expect(ex.stderr).toContain(`exported ${head} commits (log positions 1-${head})`);
    const lines = (await fsp.readFile(exported, 'utf8')).trim().split('\n');
    expect(lines).toHaveLength(head);
    expect(JSON.parse(lines[0]!)).toMatchObject({ position: 1, stream: expect.any(String), events: expect.any(Array), meta: { actor: 'contributor-user' }, prev_hash: '', hash: expect.stringMatching(/^[0-9a-f]{64}$/) });
    // To stdout too.
    expect((await runCli(['events', 'export'], gilt.env('admin'))).stdout).toBe(`${lines.join('\n')}\n`);

    const im = await runCli(['events', 'import', exported], other.env('admin'));
    expect(im).toMatchObject({ code: 0, stdout: `imported ${head} commits from ${exported}; the log now ends at position ${head}\n` });
    expect(await other.logHead()).toBe(head);
    const again = path.join(dir, 'again.jsonl');
    expect((await runCli(['events', 'export', '-o', again], other.env('admin'))).code).toBe(0);
    expect(await fsp.readFile(again, 'utf8')).toBe(await fsp.readFile(exported, 'utf8'));
    expect(await snapshot(other)).toEqual(await snapshot(gilt));
    expect((await runCli(['verify'], other.env('admin'))).code).toBe(0);

    // Running it again writes nothing: every commit is already there.
    const rerun = await runCli(['events', 'import', exported], other.env('admin'));
    expect(rerun.stdout).toBe(`imported 0 commits from ${exported}; the log now ends at position ${head}; ${head} were already there\n`);
  });

  it('refuses to import into a Gilt whose log differs, and a batch that breaks the chain', async () => {
    await ok(other.request('POST', '/v1/buckets', { role: 'contributor', body: { name: 'only-in-other' } }), 201);
    await ok(gilt.request('POST', '/v1/buckets', { role: 'contributor', body: { name: 'only-in-first' } }), 201);
    const otherLog = path.join(dir, 'other.jsonl');
    expect((await runCli(['events', 'export', '-o', otherLog], other.env('admin'))).code).toBe(0);
    const head = await gilt.logHead();
    const r = await runCli(['events', 'import', otherLog], gilt.env('admin'));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`the log is not empty (it ends at position ${head}) and differs from the file at position ${head}: import only into a fresh Gilt`);
    expect(await gilt.logHead()).toBe(head);

    // The server checks the chain too, before writing: a commit whose content was changed.
    const last = JSON.parse((await fsp.readFile(otherLog, 'utf8')).trim().split('\n').at(-1)!);
    const forged = { ...last, position: head + 1, events: [{ ...last.events[0], bucket: 'forged' }] };
    const refused = await gilt.request('POST', '/v1/events/import', { role: 'admin', body: { commits: [forged] } });
    expect(refused.status).toBe(400);
    expect(refused.body.details).toMatchObject({ position: head + 1 });
    expect((await gilt.request('POST', '/v1/events/import', { role: 'contributor', body: { commits: [] } })).status).toBe(403);
    expect(await gilt.logHead()).toBe(head);
  });

  it('gilt verify checks the log, and catches an edited or a missing commit in an exported file', async () => {
    const live = await runCli(['verify'], gilt.env('admin'));
    expect(live.code).toBe(0);
    expect(live.stdout).toMatch(/^OK: the log: \d+ commits in \d+ aggregates, positions 1-\d+ without gaps, every hash chain intact\n$/);
    expect((await runCli(['verify', '--file', exported], {})).stdout).toContain(`OK: ${exported}:`);

    const lines = (await fsp.readFile(exported, 'utf8')).trim().split('\n');
    const k = lines.findIndex((l) => l.includes('CVE patch release'));
    const edited = path.join(dir, 'edited.jsonl');
    await fsp.writeFile(edited, [...lines.slice(0, k), lines[k]!.replace('CVE patch release', 'routine release'), ...lines.slice(k + 1)].join('\n'));
    const e = await runCli(['verify', '--file', edited], {});
    expect(e.code).toBe(1);
    expect(e.stderr).toContain(`hash-mismatch at position ${k + 1} (line ${k + 1}): commit ${k + 1} of channel.base.prod was edited`);

    const missing = path.join(dir, 'missing.jsonl');
    await fsp.writeFile(missing, [...lines.slice(0, 4), ...lines.slice(5)].join('\n'));
    const m = await runCli(['verify', '--file', missing], {});
    expect(m.code).toBe(1);
    expect(m.stderr).toContain('gap at position 5 (line 5): commit at position 5 is missing (next found: 6); the 4 commits before it are intact');

    const refused = await runCli(['events', 'import', edited], other.env('admin'));
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`refusing to import ${edited}: line ${k + 1}: commit ${k + 1} of channel.base.prod was edited`);
  });
});

describe('rebuild', () => {
  it('rebuilds every projection from the log with progress and events/s, and answers the same after', async () => {
    const before = await snapshot(gilt);
    const r = await runCli(['admin', 'rebuild'], gilt.env('admin'));
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^rebuild [0-9A-Z]{26} started\n/);
    expect(r.stderr).toMatch(/gateway \(.+\): done \d+\/\d+ commits, \d+ events\/s/);
    const rows = r.stdout.trim().split('\n');
    expect(rows[0]).toMatch(/^SERVICE\s+INSTANCE\s+STATE\s+COMMITS\s+EVENTS\s+SECONDS\s+EVENTS\/S$/);
    const head = await gilt.logHead();
    for (const service of SERVICES) expect(rows.some((row) => new RegExp(`^${service}\\s+\\S+\\s+done\\s+${head}\\s`).test(row))).toBe(true);
    expect(await snapshot(gilt)).toEqual(before);
    expect((await gilt.request('POST', '/v1/admin/rebuild', { role: 'contributor' })).status).toBe(403);
  });
});

describe('incident report', () => {
  it('tells what a version was built from, where it was, who revoked it and why, and what it took with it', async () => {
    const r = await gilt.request('GET', '/v1/buckets/base/versions/v2/incident', { role: 'viewer', headers: { accept: 'text/markdown' } });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^text\/markdown/);
    const md = r.text;
    expect(md).toMatch(/^# Incident report: base:v2\n/);
    expect(md).toContain(`| Version | v2 (\`${ids['base:v2']}\`) |`);
    expect(md).toContain('| Status | REVOKED |');
    expect(md).toMatch(/\| amazon-ebs\.image \| amazon-ebs \| aws \| DONE \| us-east-1: `ami-[0-9a-f]{17}` \|/);
    expect(md).toMatch(/## Channels\n\n\| Channel \| From \| Until \| How \| By \| Why \| Left \|\n\|---(\|---){6}\|\n/);
    expect(md).toMatch(/\| latest \| \S+ \| \S+ \| newest usable version \| contributor-user \| v2 completed \| assigned by contributor-user: v2 revoked \|/);
    expect(md).toMatch(/\| prod \| \S+ \| \S+ \| assigned \| contributor-user \| CVE patch release \| rolled back by contributor-user: base:v2 revoked: kernel panic on boot \|/);
    expect(md).toContain('| By | contributor-user |');
    expect(md).toContain('| Why | kernel panic on boot |');
    expect(md).toContain('| Type | MANUAL |');
    expect(md).toMatch(/## Rollbacks\n\n\| When \| Channel \| From \| To \| Who \| Why \|\n\|.*\|\n\| \S+ \| base:prod \| v2 \| v1 \| contributor-user \| base:v2 revoked: kernel panic on boot \|/);
    expect(md).toContain('1 descendant(s); 1 revoked or scheduled for revocation with this version.');
    expect(md).toMatch(/\| app:v1 \| REVOKED \| INHERITED from base:v2 by contributor-user: [^|]*kernel panic on boot \| - \| prod \(\S+\) \|/);
    expect(md).toMatch(/## Timeline\n[\s\S]*\| base: v2 revoked; channels to roll back: base:prod \| kernel panic on boot \|/);

    const past = await gilt.request('GET', `/v1/buckets/base/versions/v2/incident?as_of=${at.v2InProd!.position}`, { role: 'viewer', headers: { accept: 'text/markdown' } });
    expect(past.text).toMatch(new RegExp(`\\| Report \\| as of \\S+ \\(log position ${at.v2InProd!.position}\\) \\|`));
    expect(past.text).toContain('| Status | ACTIVE |');
    expect(past.text).toContain('Not revoked.');

    const cli = await runCli(['incident', 'base:v2'], gilt.env('viewer'));
    expect(cli.code).toBe(0);
    expect(cli.stdout).toBe(md.replace(/\| Generated \| [^|]+ \|/, cli.stdout.match(/\| Generated \| [^|]+ \|/)![0]));
  });
});
