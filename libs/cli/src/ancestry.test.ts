import { describe, it, expect, beforeAll, afterAll, beforeEach } from '@jest/globals';
import type { AncestryAnswer, AncestryRelative } from '@gilt/contracts';
import { run } from './index.js';
import { apiError, captureIo, startServer, type FakeServer, type Recorded, type Reply } from './test-support/fake-server.js';

const BASE = '01JD7X3M4K9Q2W8E5R6T1Y0B03';
const APP = '01JD7X3M4K9Q2W8E5R6T1Y0A07';
const WEB = '01JD7X3M4K9Q2W8E5R6T1Y0W02';
const BATCH = '01JD7X3M4K9Q2W8E5R6T1Y0C01';

function relative(bucket: string, id: string, name: string, depth: number, via: string, more: Partial<AncestryRelative> = {}): AncestryRelative {
  return {
    bucket,
    version: { id, name, fingerprint: `fp-${name}`, status: 'ACTIVE' },
    depth,
    via,
    status: 'UP_TO_DATE',
    channel: null,
    channel_version: null,
    builds: [],
    ...more,
  };
}

/** base-images v3 (revoked) with two children, one of which has a child of its own. */
const TREE: AncestryAnswer = {
  version: { bucket: 'base-images', id: BASE, name: 'v3', fingerprint: 'fp-v3', status: 'REVOKED' },
  status: null,
  parents: [],
  children: [
    relative('app', APP, 'v7', 1, BASE, { channel: { bucket: 'base-images', channel: 'prod' }, channel_version: { id: BASE, name: 'v3', fingerprint: 'fp-v3' } }),
    relative('batch', BATCH, 'v1', 1, BASE, { status: 'UNDETERMINED' }),
    relative('web', WEB, 'v2', 2, APP, { status: 'OUT_OF_DATE', channel_version: { id: 'x', name: 'v8', fingerprint: 'fp-v8' } }),
  ],
  position: 42,
};

describe('gilt ancestry', () => {
  let server: FakeServer;
  let reply: (req: Recorded) => Reply = () => ({ status: 200, body: TREE });
  beforeAll(async () => {
    server = await startServer((req) => reply(req));
  });
  afterAll(() => server.close());
  beforeEach(() => {
    server.requests.length = 0;
    reply = () => ({ status: 200, body: TREE });
  });
  const gilt = async (...argv: string[]) => {
    const io = captureIo();
    const code = await run(argv, { GILT_URL: server.url, GILT_TOKEN: 'tok' }, io);
    return { code, out: io.out, err: io.err };
  };

  it('prints the version and its relatives as a tree, each under the one it was reached from', async () => {
    const r = await gilt('ancestry', 'base-images:v3', '--depth', '2');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(server.requests.map((q) => [q.method, q.url])).toEqual([['GET', '/v1/buckets/base-images/versions/v3/ancestry?depth=2']]);
    expect(r.out).toBe(
      [
        `base-images v3 (${BASE}) REVOKED`,
        '├── parents: (none)',
        '└── children:',
        '    ├── app v7  UP_TO_DATE  via channel base-images:prod',
        '    │   └── web v2  OUT_OF_DATE  (latest now serves v8)',
        '    └── batch v1  UNDETERMINED',
        '',
      ].join('\n'),
    );
  });

  it('shows only the direction asked for, the channel a stale parent moved to, and relatives that are not ACTIVE', async () => {
    reply = () => ({
      status: 200,
      body: {
        version: { bucket: 'web', id: WEB, name: 'v2', fingerprint: 'fp', status: 'ACTIVE' },
        status: 'OUT_OF_DATE',
        parents: [
          relative('app', APP, 'v7', 1, WEB, {
            status: 'OUT_OF_DATE',
            channel: { bucket: 'app', channel: 'prod' },
            channel_version: { id: 'y', name: 'v9', fingerprint: 'f' },
          }),
          relative('base-images', BASE, 'v3', 2, APP, { version: { id: BASE, name: 'v3', fingerprint: 'fp-v3', status: 'REVOKED' } }),
        ],
        position: 7,
      },
    });
    const r = await gilt('ancestry', 'web:v2', '--direction', 'parents', '--depth', '10');
    expect(r.code).toBe(0);
    expect(server.requests[0]!.url).toBe('/v1/buckets/web/versions/v2/ancestry?direction=parents&depth=10');
    expect(r.out).toBe(
      [
        `web v2 (${WEB}) ACTIVE`,
        '└── parents:',
        '    └── app v7  OUT_OF_DATE  via channel app:prod  (channel app:prod now serves v9)',
        '        └── base-images v3  UP_TO_DATE  [REVOKED]',
        '',
      ].join('\n'),
    );
  });

  it('--json prints the answer as the server gave it', async () => {
    const r = await gilt('ancestry', 'base-images:v3', '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toEqual(TREE);
  });

  it('prints the server’s error and exits 1', async () => {
    reply = () => apiError(404, 'NOT_FOUND', 'version v9 not found in bucket base-images (give its id, fingerprint or name)');
    const r = await gilt('ancestry', 'base-images:v9');
    expect(r.code).toBe(1);
    expect(r.err).toBe('gilt: version v9 not found in bucket base-images (give its id, fingerprint or name)\n');
    expect(r.out).toBe('');
  });

  it.each([
    [['ancestry'], /missing BUCKET:VERSION/],
    [['ancestry', 'base-images'], /expected BUCKET:VERSION/],
    [['ancestry', 'base-images:v3', '--direction', 'sideways'], /--direction must be one of parents, children, both, got "sideways"/],
    [['ancestry', 'base-images:v3', '--depth', '0'], /--depth must be a whole number from 1 to 10/],
    [['ancestry', 'base-images:v3', '--depth', '11'], /--depth must be a whole number from 1 to 10/],
    [['ancestry', 'base-images:v3', '--depth', 'all'], /--depth must be a whole number from 1 to 10/],
  ])('%j is a usage error (exit 2) and sends nothing', async (argv, message) => {
    const r = await gilt(...argv);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
    expect(server.requests).toHaveLength(0);
  });

  it('--help explains the statuses', async () => {
    const r = await gilt('ancestry', '--help');
    expect(r.code).toBe(0);
    for (const s of ['Usage: gilt ancestry BUCKET:VERSION [flags]', '--direction D', '--depth N', 'UP_TO_DATE', 'OUT_OF_DATE', 'UNDETERMINED']) expect(r.out).toContain(s);
  });
});
