import { describe, it, expect, beforeAll, afterAll, beforeEach } from '@jest/globals';
import { run } from './index.js';
import { apiError, captureIo, startServer, type FakeServer, type Recorded, type Reply } from './test-support/fake-server.js';

const ref = (bucket: string, id: string, name: string) => ({ id, bucket, name, fingerprint: `fp-${name}` });
const BASE = ref('ubuntu-base', '01JD7X3M4K9Q2W8E5R6T1Y0B03', 'v3');
const BASE2 = ref('ubuntu-base', '01JD7X3M4K9Q2W8E5R6T1Y0B02', 'v2');
const APP = ref('app', '01JD7X3M4K9Q2W8E5R6T1Y0A07', 'v7');
const WEB = ref('web', '01JD7X3M4K9Q2W8E5R6T1Y0W02', 'v2');
const JOB = ref('jobs', '01JD7X3M4K9Q2W8E5R6T1Y0J01', 'v1');

/** base v3 with app v7 and jobs v1 built on it, and web v2 built on app v7 (and on jobs v1: a diamond, listed once). */
const ANSWER = {
  revocation: { version: BASE, status: 'REVOKED', revoke_at: '2026-11-25T14:02:11.123Z', reason: 'CVE-2026-1234', type: 'MANUAL', author: 'alice' },
  affected_versions: [
    { ...BASE, depth: 0, type: 'MANUAL', via: null },
    { ...APP, depth: 1, type: 'INHERITED', via: BASE.id },
    { ...JOB, depth: 1, type: 'INHERITED', via: BASE.id },
    { ...WEB, depth: 2, type: 'INHERITED', via: APP.id },
  ],
  channel_rollbacks: [
    { bucket: 'ubuntu-base', channel: 'prod', managed: false, from: BASE, to: BASE2, empty: false },
    { bucket: 'app', channel: 'prod', managed: false, from: APP, to: null, empty: true },
    { bucket: 'ubuntu-base', channel: 'latest', managed: true, from: BASE, to: BASE2, empty: false },
  ],
  channels_not_rolled_back: [],
  cascade: { total: 3, pending: 0, status_url: `/v1/revocations/${BASE.id}` },
  dry_run: false,
  changed: true,
  message: 'revoked ubuntu-base:v3 and 3 descendants',
};

describe('gilt revoke / restore', () => {
  let server: FakeServer;
  let reply: (req: Recorded) => Reply;
  beforeAll(async () => {
    server = await startServer((req) => reply(req));
  });
  afterAll(() => server.close());
  beforeEach(() => {
    server.requests.length = 0;
    reply = () => ({ status: 200, body: ANSWER });
  });
  const gilt = async (...argv: string[]) => {
    const io = captureIo();
    const code = await run(argv, { GILT_URL: server.url, GILT_TOKEN: 'tok' }, io);
    return { code, out: io.out, err: io.err };
  };
  const sent = () => server.requests.map((r) => [r.method, r.url, r.json ?? null]);

  it('revokes now and prints the versions as a tree and where each channel went, an emptied one explicitly', async () => {
    const r = await gilt('revoke', 'ubuntu-base:v3', '--reason', 'CVE-2026-1234');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(sent()).toEqual([['POST', '/v1/buckets/ubuntu-base/versions/v3/revoke', { reason: 'CVE-2026-1234' }]]);
    expect(server.requests[0]!.headers['idempotency-key']).toMatch(/^[A-Za-z0-9]{26}$/);
    expect(r.out).toBe(
      [
        `revoked ubuntu-base:v3 (${BASE.id})`,
        'reason: CVE-2026-1234',
        'versions revoked (4):',
        '  ubuntu-base:v3  MANUAL',
        '  └─ app:v7  INHERITED',
        '     └─ web:v2  INHERITED',
        '  └─ jobs:v1  INHERITED',
        'channels rolled back:',
        '  ubuntu-base:prod    v3 -> v2',
        '  app:prod            v7 -> (empty)  (no earlier valid version: the channel is left EMPTY)',
        '  ubuntu-base:latest  v3 -> v2  (managed)',
        '',
      ].join('\n'),
    );
  });

  it.each([
    [['--in', '72h', '--skip-descendants', '--no-rollback'], { reason: 'r', revoke_in: '72h', skip_descendants: true, disable_rollback: true }],
    [['--at', '2026-12-01T09:00:00Z'], { reason: 'r', revoke_at: '2026-12-01T09:00:00Z' }],
  ])('revoke %j sends %j', async (flags, body) => {
    expect((await gilt('revoke', 'ubuntu-base:v3', '--reason', 'r', ...flags)).code).toBe(0);
    expect(sent()).toEqual([['POST', '/v1/buckets/ubuntu-base/versions/v3/revoke', body]]);
  });

  it('--dry-run asks with dry_run=true and says nothing was written', async () => {
    reply = () => ({ status: 200, body: { ...ANSWER, dry_run: true, revocation: { ...ANSWER.revocation, status: 'REVOCATION_SCHEDULED', revoke_at: '2026-12-01T09:00:00.000Z' } } });
    const r = await gilt('revoke', 'ubuntu-base:v3', '--reason', 'r', '--in', '2h45m', '--dry-run');
    expect(sent()).toEqual([['POST', '/v1/buckets/ubuntu-base/versions/v3/revoke?dry_run=true', { reason: 'r', revoke_in: '2h45m' }]]);
    expect(r.out).toMatch(/^dry run \(nothing was written\): would schedule the revocation of ubuntu-base:v3 for 2026-12-01 09:00:00Z\n/);
    expect(r.out).toContain('versions that would be revoked (4):');
    expect(r.out).toContain('channels that would roll back if it took effect now:');
  });

  it('says when a large cascade continues in the background and where to follow it', async () => {
    reply = () => ({ status: 202, body: { ...ANSWER, cascade: { total: 5000, pending: 5000, status_url: `/v1/revocations/${BASE.id}` } } });
    const r = await gilt('revoke', 'ubuntu-base:v3', '--reason', 'r');
    expect(r.code).toBe(0);
    expect(r.out).toContain(`5000 descendants still being revoked in the background; progress: GET /v1/revocations/${BASE.id}`);
  });

  it('lists channels left on revoked versions when rollback is disabled', async () => {
    reply = () => ({ status: 200, body: { ...ANSWER, channel_rollbacks: [], channels_not_rolled_back: [{ bucket: 'app', channel: 'prod', version: APP }] } });
    const r = await gilt('revoke', 'ubuntu-base:v3', '--reason', 'r', '--no-rollback');
    expect(r.out).toContain('channels left on a revoked version (rollback disabled):\n  app:prod  v7\n');
  });

  it('revoke cancel posts to …/revoke/cancel', async () => {
    reply = () => ({ status: 200, body: { message: 'scheduled revocation cancelled: ubuntu-base:v3' } });
    const r = await gilt('revoke', 'cancel', 'ubuntu-base:v3', '--reason', 'fixed upstream');
    expect(r.code).toBe(0);
    expect(sent()).toEqual([['POST', '/v1/buckets/ubuntu-base/versions/v3/revoke/cancel', { reason: 'fixed upstream' }]]);
    expect(r.out).toBe('scheduled revocation cancelled: ubuntu-base:v3\n');
  });

  it('restore lists the channels it did not move back', async () => {
    reply = () => ({
      status: 200,
      body: {
        version: { ...BASE, status: 'ACTIVE' },
        restored: [BASE, APP],
        rolled_back_channels: [{ bucket: 'ubuntu-base', channel: 'prod', rolled_back_from: BASE, now: BASE2, moved_back: false }],
        message: 'restored',
      },
    });
    const r = await gilt('restore', 'ubuntu-base:v3', '--descendants', '--reason', 'false alarm');
    expect(sent()).toEqual([['POST', '/v1/buckets/ubuntu-base/versions/v3/restore', { descendants: true, reason: 'false alarm' }]]);
    expect(r.out).toBe(
      [
        'restored ubuntu-base:v3, app:v7',
        'channels that rolled back away from it were NOT moved back:',
        '  ubuntu-base:prod  now v2  (to move it back: gilt channels set ubuntu-base:prod v3)',
        '',
      ].join('\n'),
    );
  });

  it.each([
    [['revoke', 'ubuntu-base:v3'], /--reason is required/],
    [['revoke', 'ubuntu-base:v3', '--reason', 'r', '--at', '2026-12-01T09:00:00Z', '--in', '1h'], /--at or --in, not both/],
    [['revoke', 'ubuntu-base:v3', 'extra', '--reason', 'r'], /unexpected argument "extra"/],
    [['revoke', 'cancel', 'ubuntu-base:v3', '--in', '1h'], /--in does not apply to revoke cancel/],
    [['revoke', 'ubuntu-base', '--reason', 'r'], /expected BUCKET:VERSION/],
  ])('%j is a usage error (exit 2) and sends nothing', async (argv, message) => {
    const r = await gilt(...argv);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
    expect(server.requests).toHaveLength(0);
  });

  it('shows the server refusal (already revoked) and exits 1', async () => {
    reply = () => apiError(409, 'CONFLICT', 'ubuntu-base:v3 is already revoked (manual, 2026-11-25T14:02:11.123Z); restore it first');
    const r = await gilt('revoke', 'ubuntu-base:v3', '--reason', 'r');
    expect(r.code).toBe(1);
    expect(r.err).toBe('gilt: ubuntu-base:v3 is already revoked (manual, 2026-11-25T14:02:11.123Z); restore it first\n');
  });

  it('help shows revoke, revoke cancel and restore', async () => {
    const io = captureIo();
    expect(await run(['--help'], {}, io)).toBe(0);
    expect(io.out).toContain('revoke BUCKET:VERSION | cancel BUCKET:VERSION');
    expect(io.out).toContain('restore BUCKET:VERSION');
    const own = captureIo();
    expect(await run(['revoke', '--help'], {}, own)).toBe(0);
    for (const f of ['--reason R', '--at TIME', '--in DURATION', '--skip-descendants', '--no-rollback', '--dry-run', 'gilt revoke cancel ubuntu-base:v3']) expect(own.out).toContain(f);
  });
});
