import { describe, it, expect, beforeAll, afterAll, beforeEach } from '@jest/globals';
import { run } from './index.js';
import { captureIo, startServer, type FakeServer, type Recorded, type Reply } from './test-support/fake-server.js';

const V3 = { id: '01JD7X3M4K9Q2W8E5R6T1Y0ZAB', name: 'v3', fingerprint: 'abc', status: 'ACTIVE', bucket: 'ubuntu-base', builds: [], channels: ['prod'] };
const V2 = { id: '01JD7X3M4K9Q2W8E5R6T1Y0Z00', name: 'v2', fingerprint: 'abb', deleted: false };
const channel = (name: string, version: unknown = V3) => ({ name, bucket: 'ubuntu-base', managed: false, restricted: false, version, author: 'alice', updated_at: '2026-11-25T14:02:11.123Z' });

describe('gilt commands: requests and output', () => {
  let server: FakeServer;
  let reply: (req: Recorded) => Reply = () => ({ status: 200, body: {} });
  beforeAll(async () => {
    server = await startServer((req) => reply(req));
  });
  afterAll(() => server.close());
  beforeEach(() => {
    server.requests.length = 0;
    reply = () => ({ status: 200, body: {} });
  });
  const env = () => ({ GILT_URL: server.url, GILT_TOKEN: 'tok' });
  const gilt = async (...argv: string[]) => {
    const io = captureIo();
    const code = await run(argv, env(), io);
    return { code, out: io.out, err: io.err };
  };
  const sent = () => server.requests.map((r) => [r.method, r.url, r.json ?? null]);

  it.each([
    [['buckets', 'create', 'ubuntu-base', '--description', 'Ubuntu', '--label', 'team=platform', '--label', 'os=ubuntu'], ['POST', '/v1/buckets', { name: 'ubuntu-base', description: 'Ubuntu', labels: { team: 'platform', os: 'ubuntu' } }]],
    [['buckets', 'update', 'ubuntu-base', '--description', 'x'], ['PATCH', '/v1/buckets/ubuntu-base', { description: 'x' }]],
    [['buckets', 'delete', 'ubuntu-base'], ['DELETE', '/v1/buckets/ubuntu-base', null]],
    [['versions', 'delete', 'ubuntu-base:v3'], ['DELETE', '/v1/buckets/ubuntu-base/versions/v3', null]],
    [['channels', 'create', 'ubuntu-base:prod', '--restricted'], ['POST', '/v1/buckets/ubuntu-base/channels', { name: 'prod', restricted: true }]],
    [['channels', 'set', 'ubuntu-base:prod', 'v3', '--reason', 'CVE fix'], ['PUT', '/v1/buckets/ubuntu-base/channels/prod', { version: 'v3', reason: 'CVE fix' }]],
    [['channels', 'set', 'ubuntu-base:prod', 'abc', '--create'], ['PUT', '/v1/buckets/ubuntu-base/channels/prod', { version: 'abc', create: true }]],
    [['channels', 'unassign', 'ubuntu-base:prod', '--reason', 'bad'], ['POST', '/v1/buckets/ubuntu-base/channels/prod/unassign', { reason: 'bad' }]],
    [['channels', 'restrict', 'ubuntu-base:prod'], ['PATCH', '/v1/buckets/ubuntu-base/channels/prod', { restricted: true }]],
    [['channels', 'unrestrict', 'ubuntu-base:prod'], ['PATCH', '/v1/buckets/ubuntu-base/channels/prod', { restricted: false }]],
    [['channels', 'delete', 'ubuntu-base:dev'], ['DELETE', '/v1/buckets/ubuntu-base/channels/dev', null]],
    [['channels', 'rollback', 'ubuntu-base:prod', '--to', 'v2', '--reason', 'regression'], ['POST', '/v1/buckets/ubuntu-base/channels/prod/rollback', { to_version: 'v2', reason: 'regression' }]],
    [['channels', 'rollback', 'ubuntu-base:prod'], ['POST', '/v1/buckets/ubuntu-base/channels/prod/rollback', {}]],
    [['channels', 'promote', 'ubuntu-base', '--from', 'dev', '--to', 'prod', '--reason', 'soaked'], ['POST', '/v1/buckets/ubuntu-base/channels/promote', { from: 'dev', to: 'prod', reason: 'soaked' }]],
  ])('%j sends %j with an Idempotency-Key', async (argv, expected) => {
    const r = await gilt(...argv);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(sent()).toEqual([expected]);
    expect(server.requests[0]!.headers['idempotency-key']).toMatch(/^[A-Za-z0-9]{26}$/);
  });

  it.each([
    [['buckets', 'list'], '/v1/buckets'],
    [['buckets', 'get', 'ubuntu-base', '--as-of', '2026-11-25T14:02:00Z'], '/v1/buckets/ubuntu-base?as_of=2026-11-25T14%3A02%3A00Z'],
    [['versions', 'list', 'ubuntu-base', '--status', 'active'], '/v1/buckets/ubuntu-base/versions?status=ACTIVE'],
    [['versions', 'get', 'ubuntu-base:655943a6-6d62.x'], '/v1/buckets/ubuntu-base/versions/655943a6-6d62.x'],
    [['channels', 'list', 'ubuntu-base'], '/v1/buckets/ubuntu-base/channels'],
    [['channels', 'get', 'ubuntu-base:prod'], '/v1/buckets/ubuntu-base/channels/prod'],
    [['channels', 'history', 'ubuntu-base:prod', '--limit', '5'], '/v1/buckets/ubuntu-base/channels/prod/history?page_size=5'],
    [['resolve', 'ubuntu-base:prod', '--platform', 'aws', '--region', 'us-east-1'], '/v1/buckets/ubuntu-base/channels/prod/artifact?platform=aws&region=us-east-1'],
    [['search', 'ami-0abc'], '/v1/artifacts?external_id=ami-0abc'],
  ])('%j reads GET %s', async (argv, url) => {
    reply = (req) => {
      if (req.path.endsWith('/artifact')) return { status: 200, body: { external_id: 'ami-1', version: V3, revoked: false, revoke_at: null } };
      if (req.path === '/v1/artifacts') return { status: 200, body: { artifacts: [{ external_id: 'ami-0abc', region: 'us-east-1', bucket: { name: 'ubuntu-base' }, version: V3, build: { name: 'amazon-ebs.ubuntu', platform: 'aws' } }], pagination: { next_page_token: null } } };
      if (req.path.endsWith('/history')) return { status: 200, body: { history: [] } };
      if (req.path.endsWith('/channels/prod')) return { status: 200, body: { channel: channel('prod') } };
      if (req.path.includes('/versions/')) return { status: 200, body: { version: V3 } };
      if (req.path === '/v1/buckets/ubuntu-base') return { status: 200, body: { bucket: { name: 'ubuntu-base', labels: {} } } };
      return { status: 200, body: { buckets: [], versions: [], channels: [], pagination: { next_page_token: null } } };
    };
    const r = await gilt(...argv);
    expect(r.code).toBe(0);
    expect(server.requests.map((q) => [q.method, q.url])).toEqual([['GET', url]]);
    expect(server.requests[0]!.headers['idempotency-key']).toBeUndefined();
  });

  it('list commands follow next_page_token', async () => {
    reply = (req) =>
      req.query.get('page_token') === 'p2'
        ? { status: 200, body: { buckets: [{ name: 'windows-base', version_count: 0, latest_version: null, platforms: [] }], pagination: { next_page_token: null, total: 2 } } }
        : { status: 200, body: { buckets: [{ name: 'ubuntu-base', version_count: 3, latest_version: { id: V3.id, name: 'v3', fingerprint: 'abc' }, platforms: ['aws', 'azure'], description: 'Ubuntu' }], pagination: { next_page_token: 'p2', total: 2 } } };
    const r = await gilt('buckets', 'list');
    expect(r.out).toBe(['NAME          VERSIONS  LATEST  PLATFORMS  DESCRIPTION', 'ubuntu-base   3         v3      aws,azure  Ubuntu', 'windows-base  0         -       -          -', ''].join('\n'));
    expect(server.requests).toHaveLength(2);
  });

  it('channels history prints when, who, what, version, previous and why', async () => {
    reply = () => ({
      status: 200,
      body: {
        history: [
          { at: '2026-11-25T14:02:11.123Z', actor: 'alice', action: 'assigned', version: V3, previous_version: V2, reason: 'CVE-2026-1234 fix', promoted_from: 'dev' },
          { at: '2026-11-24T09:00:00.000Z', actor: 'gilt', action: 'rolled_back', version: V2, previous_version: { id: 'X', name: null, deleted: true }, reason: null, because_revocation_of: 'v1' },
          { at: '2026-11-23T08:00:00.000Z', actor: 'bob', action: 'created', version: null, previous_version: null, reason: null },
        ],
        pagination: { next_page_token: null },
      },
    });
    const r = await gilt('channels', 'history', 'ubuntu-base:prod');
    expect(r.out).toBe(
      [
        'WHEN                  WHO    WHAT                            VERSION  PREVIOUS     WHY',
        '2026-11-25 14:02:11Z  alice  assigned (promoted from dev)    v3       v2           CVE-2026-1234 fix',
        '2026-11-24 09:00:00Z  gilt   rolled back (revocation of v1)  v2       X (deleted)  -',
        '2026-11-23 08:00:00Z  bob    created                         -        -            -',
        '',
      ].join('\n'),
    );
  });

  it('channels set / promote / rollback say where the channel points now', async () => {
    reply = (req) => (req.path.endsWith('/rollback') ? { status: 200, body: { channel: channel('prod', V2), empty: false, message: 'rolled back to v2' } } : { status: 200, body: { channel: channel('prod') } });
    expect((await gilt('channels', 'set', 'ubuntu-base:prod', 'abc')).out).toBe('channel prod -> v3\n');
    expect((await gilt('channels', 'promote', 'ubuntu-base', '--from', 'dev', '--to', 'prod')).out).toBe('channel prod -> v3 (promoted from dev)\n');
    expect((await gilt('channels', 'rollback', 'ubuntu-base:prod')).out).toBe('channel prod -> v2 (rolled back to v2)\n');
    reply = () => ({ status: 200, body: { channel: channel('prod', null), empty: true, message: 'no earlier valid version' } });
    expect((await gilt('channels', 'rollback', 'ubuntu-base:prod')).out).toBe('channel prod is now empty (no earlier valid version)\n');
  });

  it('--json prints the raw answer', async () => {
    const body = { channel: channel('prod'), extra: { anything: [1, 2] } };
    reply = () => ({ status: 200, body });
    const r = await gilt('channels', 'get', 'ubuntu-base:prod', '--json');
    expect(JSON.parse(r.out)).toEqual(body);
  });

  it('an API error prints gilt: <message> and exits 1', async () => {
    reply = () => ({ status: 404, body: { code: 'NOT_FOUND', message: 'bucket ubuntu-base not found', details: { bucket: 'ubuntu-base' } } });
    const r = await gilt('buckets', 'get', 'ubuntu-base');
    expect(r).toEqual({ code: 1, out: '', err: 'gilt: bucket ubuntu-base not found\n' });
  });

  describe('resolve', () => {
    const resolve = () => gilt('resolve', 'ubuntu-base:prod', '--platform', 'aws', '--region', 'us-east-1');

    it('prints only the external id', async () => {
      reply = () => ({ status: 200, body: { external_id: 'ami-0123456789abcdef0', version: V3, build: {}, labels: {}, revoked: false, revoke_at: null } });
      expect(await resolve()).toEqual({ code: 0, out: 'ami-0123456789abcdef0\n', err: '' });
    });

    it('passes --build and warns on stderr about a scheduled revocation', async () => {
      reply = () => ({ status: 200, body: { external_id: 'ami-1', version: V3, revoked: false, revoke_at: '2026-12-01T00:00:00Z' } });
      const r = await gilt('resolve', 'ubuntu-base:prod', '--platform', 'aws', '--region', 'us-east-1', '--build', 'amazon-ebs.ubuntu');
      expect(server.requests[0]!.query.get('build')).toBe('amazon-ebs.ubuntu');
      expect(r.code).toBe(0);
      expect(r.out).toBe('ami-1\n');
      expect(r.err).toMatch(/warning: version v3 is scheduled to be revoked at 2026-12-01T00:00:00Z/);
    });

    it('exits 1 with nothing on stdout when the image is revoked', async () => {
      reply = () => ({ status: 200, body: { external_id: 'ami-1', version: V3, revoked: true, revoke_at: null } });
      const r = await resolve();
      expect(r.code).toBe(1);
      expect(r.out).toBe('');
      expect(r.err).toMatch(/^gilt: ubuntu-base:prod serves ami-1 from version v3, which is revoked/);
    });

    it('exits 1 when nothing matches', async () => {
      reply = () => ({ status: 404, body: { code: 'NOT_FOUND', message: 'channel prod of ubuntu-base has no aws artifact in us-east-1', details: {} } });
      expect(await resolve()).toEqual({ code: 1, out: '', err: 'gilt: channel prod of ubuntu-base has no aws artifact in us-east-1\n' });
    });
  });

  it('search lists the owners, and exits 1 when there are none', async () => {
    reply = () => ({
      status: 200,
      body: { artifacts: [{ external_id: 'ami-0abc', region: 'us-east-1', bucket: { name: 'ubuntu-base' }, version: V3, build: { name: 'amazon-ebs.ubuntu', platform: 'aws' } }], pagination: { next_page_token: null } },
    });
    const r = await gilt('search', 'ami-0abc');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^BUCKET\s+VERSION\s+STATUS\s+BUILD\s+PLATFORM\s+REGION\s+EXTERNAL ID\nubuntu-base\s+v3 \(01JD7X3M4K9Q2W8E5R6T1Y0ZAB\)\s+ACTIVE\s+amazon-ebs\.ubuntu\s+aws\s+us-east-1\s+ami-0abc\n$/);
    reply = () => ({ status: 200, body: { artifacts: [], pagination: { next_page_token: null } } });
    expect(await gilt('search', 'ami-none')).toEqual({ code: 1, out: '', err: 'gilt: no version holds artifact ami-none\n' });
  });
});
