import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from './index.js';
import { captureIo, startServer, type FakeServer, type Recorded, type Reply } from './test-support/fake-server.js';

const FIXTURES = fileURLToPath(new URL('../../../../shared/fixtures/', import.meta.url));
const BAD = join(FIXTURES, 'bad-input');
const PACKER = join(FIXTURES, 'packer', 'out');
const ID = '01JD7X3M4K9Q2W8E5R6T1Y0ZAB';

/** What each bad-input file must be refused for: the field at fault and the problem. */
const BAD_INPUT: Record<string, RegExp> = {
  'truncated.json': /manifest: not valid JSON/,
  'top-level-array.json': /manifest: must be an object .* got an array/,
  'builds-not-array.json': /builds: must be an array of builds, got an object/,
  'artifact-id-number.json': /builds\[1\]\.artifact_id: must be a string, got a number/,
  'missing-name.json': /builds\[1\]\.name: missing/,
  'name-dotdot.json': /builds\[1\]\.name: "\.\.\/\.\.\/etc\/cron\.d\/amazon-ebs\.ubuntu" is not a valid build name/,
  'name-dots.json': /builds\[1\]\.name: "\.\." is not a valid build name/,
  'name-spaces.json': /builds\[1\]\.name: "amazon ebs\.ubuntu" is not a valid build name/,
  'name-unicode.json': /builds\[1\]\.name: "\\u0430mazon-ebs\.ubuntu" is not a valid build name/,
  'name-control-chars.json': /builds\[1\]\.name: "amazon-ebs\.ubuntu\\u0000\\nrm -rf" is not a valid build name/,
  'duplicate-build-names.json': /builds\[2\]: duplicate of builds\[0\]/,
  'empty-builds.json': /builds: is empty/,
  'non-utf8.json': /manifest: the file is not valid UTF-8/,
  'empty-file.json': /manifest: the file is empty/,
  'top-level-null.json': /manifest: must be an object .* got null/,
  'builds-missing.json': /builds: missing/,
  'name-empty.json': /builds\[1\]\.name: must not be empty/,
  'custom-data-non-string.json': /builds\[1\]\.custom_data\.labels: custom_data values must be strings/,
  'build-not-object.json': /builds\[1\]: must be an object, got a string/,
  'artifact-id-null.json': /builds\[1\]\.artifact_id: must be a string, got null/,
  'trailing-garbage.json': /manifest: not valid JSON \(Unexpected non-whitespace character after JSON/,
  'huge-custom-data.json': /builds\[1\]\.custom_data\.notes: value is 2097152 characters long/,
};

/** `KEY=VALUE` lines of a fixture's env dump, as seen by Packer's shell-local post-processor. */
function packerEnv(file: string): Record<string, string> {
  return Object.fromEntries(
    readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => l.includes('='))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
}

function publishAnswer(opts: { status?: string; changed?: boolean; fingerprint?: string; message?: string; builds?: number; expected?: string[] } = {}) {
  const status = opts.status ?? 'ACTIVE';
  const builds = Array.from({ length: opts.builds ?? 2 }, (_, i) => ({
    id: `b${i}`,
    name: opts.expected?.[i] ?? `amazon-ebs.ubuntu-${i}`,
    builder_type: 'amazon-ebs',
    platform: 'aws',
    status: 'DONE',
    artifacts: i === 0 ? [{ external_id: 'ami-1', region: 'us-east-1' }, { external_id: 'ami-2', region: 'eu-west-1' }] : [{ external_id: 'ami-3', region: 'us-east-1' }],
  }));
  return {
    version: {
      id: ID,
      bucket: 'ubuntu-base',
      fingerprint: opts.fingerprint ?? 'abc',
      name: status === 'ACTIVE' ? 'v3' : 'v0',
      status,
      expected_builds: opts.expected ?? null,
      builds,
      channels: [],
    },
    changed: opts.changed ?? true,
    message: opts.message ?? 'published version abc: recorded 2 build(s); version complete as v3',
  };
}

const env = (server: FakeServer, extra: Record<string, string> = {}) => ({ GILT_URL: server.url, GILT_TOKEN: 'test-token', ...extra });

describe('gilt publish: local validation', () => {
  let server: FakeServer;
  let hugeDir: string;
  beforeAll(async () => {
    server = await startServer(() => ({ status: 201, body: publishAnswer() }));
    hugeDir = mkdtempSync(join(tmpdir(), 'gilt-cli-huge-'));
    execFileSync('sh', [join(BAD, 'make-huge-custom-data.sh'), join(hugeDir, 'huge-custom-data.json')]);
  });
  afterAll(async () => {
    await server.close();
    rmSync(hugeDir, { recursive: true, force: true });
  });

  it('knows every file of fixtures/bad-input', () => {
    const files = readdirSync(BAD).filter((f) => f.endsWith('.json'));
    expect(files.length).toBeGreaterThanOrEqual(21);
    for (const f of files) expect(Object.keys(BAD_INPUT)).toContain(f);
  });

  it.each(Object.entries(BAD_INPUT))('refuses %s with a message naming the problem and sends nothing', async (file, problem) => {
    const path = file === 'huge-custom-data.json' ? join(hugeDir, file) : join(BAD, file);
    const io = captureIo();
    const code = await run(['publish', '--bucket', 'ubuntu-base', path], env(server), io);
    expect(code).toBe(1);
    expect(io.out).toBe('');
    const line = io.err.trim();
    expect(line.startsWith(`gilt: ${path}: `)).toBe(true);
    expect(line).toMatch(problem);
    expect(line.split('\n')).toHaveLength(1);
    expect(server.requests).toHaveLength(0);
  });

  it('refuses the bad files with the PACKER_* variables set as well', async () => {
    const io = captureIo();
    const code = await run(['publish', '--bucket', 'ubuntu-base', join(BAD, 'missing-name.json')], env(server, { PACKER_BUILD_NAME: 'amazon-ebs.ubuntu', PACKER_RUN_UUID: '0ba5e1a2-77c4-d3e9-51f0-8c2b6a4d9e13' }), io);
    expect(code).toBe(1);
    expect(io.err).toMatch(/builds\[1\]\.name: missing/);
    expect(server.requests).toHaveLength(0);
  });

  it('refuses a file that does not exist', async () => {
    const io = captureIo();
    expect(await run(['publish', '--bucket', 'ubuntu-base', '/nonexistent/packer-manifest.json'], env(server), io)).toBe(1);
    expect(io.err).toBe('gilt: /nonexistent/packer-manifest.json: cannot read the manifest: no such file\n');
    expect(server.requests).toHaveLength(0);
  });

  it('refuses a PACKER_BUILD_NAME that is not in the run, naming the builds that are', async () => {
    const io = captureIo();
    const code = await run(['publish', '--bucket', 'ubuntu-base', join(PACKER, 'multi', 'manifest.json')], env(server, { PACKER_BUILD_NAME: 'amazon-ebs.debian' }), io);
    expect(code).toBe(1);
    expect(io.err).toMatch(/PACKER_BUILD_NAME: no build "amazon-ebs\.debian" in the selected packer run \(builds: docker\.ubuntu \(file\)/);
    expect(server.requests).toHaveLength(0);
  });

  it('asks for PACKER_BUILDER_TYPE when two HCL2 sources share the name', async () => {
    const dump = packerEnv(join(PACKER, 'same-name-hcl2', 'env', 'ubuntu.file.env'));
    const { PACKER_BUILDER_TYPE: _, ...withoutType } = dump;
    const io = captureIo();
    const code = await run(['publish', '--bucket', 'ubuntu-base', join(PACKER, 'same-name-hcl2', 'manifest.json')], env(server, withoutType), io);
    expect(code).toBe(1);
    expect(io.err).toMatch(/PACKER_BUILDER_TYPE: 2 builds are named "ubuntu"/);
    expect(server.requests).toHaveLength(0);
  });

  it('refuses a bad --builds name and an unusable fingerprint before sending', async () => {
    const m = join(PACKER, 'single', 'manifest.json');
    let io = captureIo();
    expect(await run(['publish', '--bucket', 'ubuntu-base', '--builds', 'a,../b', m], env(server), io)).toBe(2);
    expect(io.err).toMatch(/--builds: "\.\.\/b" is not a valid build name/);
    io = captureIo();
    expect(await run(['publish', '--bucket', 'ubuntu-base', '--fingerprint', 'no spaces', m], env(server), io)).toBe(2);
    expect(io.err).toMatch(/--fingerprint "no spaces" must be/);
    io = captureIo();
    expect(await run(['publish', '--bucket', 'x', m], env(server), io)).toBe(2);
    expect(io.err).toMatch(/bucket "x" is not a valid name/);
    io = captureIo();
    expect(await run(['publish', '--bucket', 'ubuntu-base', '--all-runs', '--run-uuid', 'u', m], env(server), io)).toBe(2);
    expect(server.requests).toHaveLength(0);
  });

  it.each(readdirSync(PACKER).filter((d) => !d.startsWith('.')))('accepts the real Packer output of %s (--dry-run, no server, no token)', async (dir) => {
    const io = captureIo();
    const code = await run(['publish', '--dry-run', '--bucket', 'ubuntu-base', join(PACKER, dir, 'manifest.json')], {}, io);
    expect(io.err).toMatch(/^dry run: would publish/);
    expect(code).toBe(0);
    expect(io.out).toMatch(/^BUILD\s+TYPE\s+PLATFORM/);
    expect(server.requests).toHaveLength(0);
  });
});

describe('gilt publish: the request', () => {
  let server: FakeServer;
  let reply: (req: Recorded, i: number) => Reply = () => ({ status: 201, body: publishAnswer() });
  beforeAll(async () => {
    server = await startServer((req, i) => reply(req, i));
  });
  afterAll(() => server.close());
  const fresh = (r: typeof reply) => {
    server.requests.length = 0;
    reply = r;
  };

  it('from shell-local: the PACKER_* variables select one build and key the version by the run uuid', async () => {
    fresh(() => ({ status: 201, body: publishAnswer({ status: 'RUNNING', builds: 1, expected: ['amazon-ebs.ubuntu', 'azure-arm.ubuntu'] }) }));
    const file = join(PACKER, 'multi', 'manifest.json');
    const dump = packerEnv(join(PACKER, 'multi', 'env', 'azure-arm.ubuntu.env'));
    expect(dump).toEqual({ PACKER_BUILDER_TYPE: 'null', PACKER_BUILD_NAME: 'azure-arm.ubuntu', PACKER_RUN_UUID: '655943a6-6d62-2c52-3c52-f6f99c103646' });
    const io = captureIo();
    const code = await run(['publish', '--bucket', 'ubuntu-base', '--builds', 'amazon-ebs.ubuntu,azure-arm.ubuntu', file], env(server, dump), io);
    expect(io.err).toMatch(/publishing build azure-arm\.ubuntu \(null\) of packer run 655943a6-6d62-2c52-3c52-f6f99c103646 to ubuntu-base/);
    expect(code).toBe(0);
    expect(server.requests).toHaveLength(1);
    const [req] = server.requests;
    expect(req!.method).toBe('POST');
    expect(req!.path).toBe('/v1/buckets/ubuntu-base/publish');
    expect(req!.headers.authorization).toBe('Bearer test-token');
    expect(req!.headers['content-type']).toBe('application/json');
    expect(req!.headers['idempotency-key']).toMatch(/^[A-Za-z0-9]{26}$/);
    expect(req!.json).toEqual({
      manifest: JSON.parse(readFileSync(file, 'utf8')),
      fingerprint: '655943a6-6d62-2c52-3c52-f6f99c103646',
      expected_builds: ['amazon-ebs.ubuntu', 'azure-arm.ubuntu'],
      run_uuid: '655943a6-6d62-2c52-3c52-f6f99c103646',
      build_name: 'azure-arm.ubuntu',
      builder_type: 'null',
    });
    expect(io.out).toBe(`published ubuntu-base version ${ID} fingerprint abc: 1 build, 2 artifacts; status RUNNING, waiting for azure-arm.ubuntu\n`);
  });

  it('sends PACKER_BUILDER_TYPE to tell apart two HCL2 sources of one name', async () => {
    fresh(() => ({ status: 201, body: publishAnswer() }));
    const dump = packerEnv(join(PACKER, 'same-name-hcl2', 'env', 'ubuntu.file.env'));
    const io = captureIo();
    expect(await run(['publish', '--bucket', 'ubuntu-base', join(PACKER, 'same-name-hcl2', 'manifest.json')], env(server, dump), io)).toBe(0);
    const body = server.requests[0]!.json as Record<string, unknown>;
    expect(body).toMatchObject({ build_name: 'ubuntu', builder_type: 'file', run_uuid: '8b471d3a-a704-50e2-d65b-dac39d35cca8', fingerprint: '8b471d3a-a704-50e2-d65b-dac39d35cca8' });
  });

  it('after packer build: the whole last run, fingerprint = last_run_uuid, and the options as given', async () => {
    fresh(() => ({ status: 201, body: publishAnswer() }));
    const file = join(PACKER, 'accumulated', 'manifest.json');
    const io = captureIo();
    const code = await run(['publish', '--bucket', 'ubuntu-base', '--parent', 'base-images:prod', '--description', 'Ubuntu base', file], env(server), io);
    expect(code).toBe(0);
    expect(server.requests[0]!.json).toEqual({
      manifest: JSON.parse(readFileSync(file, 'utf8')),
      fingerprint: 'ce6fc0c2-80b9-1147-c39b-b1cd7fd8b6cd',
      parent: 'base-images:prod',
      description: 'Ubuntu base',
    });
    expect(io.out).toBe(`published ubuntu-base v3 (${ID}) fingerprint abc: 2 builds, 3 artifacts\n`);
  });

  it('--all-runs, --run-uuid and --fingerprint', async () => {
    fresh(() => ({ status: 201, body: publishAnswer() }));
    const file = join(PACKER, 'accumulated', 'manifest.json');
    expect(await run(['publish', '--bucket', 'ubuntu-base', '--all-runs', '--fingerprint', 'git-1a2b3c', file], env(server), captureIo())).toBe(0);
    expect(server.requests[0]!.json).toMatchObject({ all_runs: true, fingerprint: 'git-1a2b3c' });
    expect(server.requests[0]!.json).not.toHaveProperty('run_uuid');
    const manifest = JSON.parse(readFileSync(file, 'utf8')) as { builds: { packer_run_uuid: string }[] };
    const firstRun = manifest.builds[0]!.packer_run_uuid;
    expect(await run(['publish', '--bucket', 'ubuntu-base', '--run-uuid', firstRun, file], env(server), captureIo())).toBe(0);
    expect(server.requests[1]!.json).toMatchObject({ run_uuid: firstRun, fingerprint: firstRun });
  });

  it('--ignore-packer-env publishes the whole manifest even inside shell-local', async () => {
    fresh(() => ({ status: 201, body: publishAnswer() }));
    const dump = packerEnv(join(PACKER, 'multi', 'env', 'azure-arm.ubuntu.env'));
    expect(await run(['publish', '--ignore-packer-env', '--bucket', 'ubuntu-base', join(PACKER, 'multi', 'manifest.json')], env(server, dump), captureIo())).toBe(0);
    const body = server.requests[0]!.json as Record<string, unknown>;
    expect(body).not.toHaveProperty('build_name');
    expect(body).not.toHaveProperty('run_uuid');
  });

  it('says so when nothing changed', async () => {
    fresh(() => ({ status: 200, body: publishAnswer({ changed: false, message: 'published version abc: nothing changed: version abc already has these builds and is complete as v3' }) }));
    const io = captureIo();
    expect(await run(['publish', '--bucket', 'ubuntu-base', join(PACKER, 'single', 'manifest.json')], env(server), io)).toBe(0);
    expect(io.out).toBe('nothing changed: version abc already has these builds and is complete as v3\n');
  });

  it('--channel assigns an ACTIVE version, creating the channel', async () => {
    fresh((req) => (req.method === 'PUT' ? { status: 200, body: { channel: { name: 'prod', bucket: 'ubuntu-base', version: { id: ID, name: 'v3' } } } } : { status: 201, body: publishAnswer() }));
    const io = captureIo();
    expect(await run(['publish', '--bucket', 'ubuntu-base', '--channel', 'prod', join(PACKER, 'single', 'manifest.json')], env(server), io)).toBe(0);
    expect(server.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['POST /v1/buckets/ubuntu-base/publish', 'PUT /v1/buckets/ubuntu-base/channels/prod']);
    expect(server.requests[1]!.json).toEqual({ version: ID, create: true });
    const keys = server.requests.map((r) => r.headers['idempotency-key']);
    expect(keys[0]).not.toBe(keys[1]);
    expect(io.out).toBe(`published ubuntu-base v3 (${ID}) fingerprint abc: 2 builds, 3 artifacts\nchannel prod -> v3\n`);
  });

  it('--channel leaves an incomplete version unassigned, and exits 0', async () => {
    fresh(() => ({ status: 201, body: publishAnswer({ status: 'RUNNING', message: 'published version abc: recorded 1 build(s); version not complete (1 of 2 builds)' }) }));
    const io = captureIo();
    expect(await run(['publish', '--bucket', 'ubuntu-base', '--channel', 'prod', join(PACKER, 'single', 'manifest.json')], env(server), io)).toBe(0);
    expect(server.requests).toHaveLength(1);
    expect(io.out).toMatch(/\nchannel prod not assigned: version not complete yet \(published version abc: recorded 1 build\(s\); version not complete \(1 of 2 builds\)\)\n$/);
  });

  it('--json prints the raw answer', async () => {
    const answer = publishAnswer();
    fresh(() => ({ status: 201, body: answer }));
    const io = captureIo();
    expect(await run(['publish', '--json', '--bucket', 'ubuntu-base', join(PACKER, 'single', 'manifest.json')], env(server), io)).toBe(0);
    expect(JSON.parse(io.out)).toEqual(answer);
  });

  it('refused for a revoked parent: prints the conflict; --allow-revoked-parent asks to record it anyway', async () => {
    const refusal = 'parent base-images v3 (01JD7X3M4K9Q2W8E5R6T1Y0Z00) of build amazon-ebs.ubuntu is revoked; publish with --allow-revoked-parent (allow_revoked_parent: true) to record it anyway';
    fresh((req) => ((req.json as { allow_revoked_parent?: boolean }).allow_revoked_parent ? { status: 201, body: publishAnswer() } : { status: 409, body: { code: 'CONFLICT', message: refusal, details: {} } }));
    const file = join(PACKER, 'single', 'manifest.json');
    const refused = captureIo();
    expect(await run(['publish', '--bucket', 'ubuntu-base', file], env(server), refused)).toBe(1);
    expect(refused.err).toContain(`gilt: ${refusal}\n`);
    expect(server.requests[0]!.json).not.toHaveProperty('allow_revoked_parent');
    expect(await run(['publish', '--bucket', 'ubuntu-base', '--allow-revoked-parent', file], env(server), captureIo())).toBe(0);
    expect(server.requests[1]!.json).toMatchObject({ allow_revoked_parent: true });
  });

  it('prints the API error message and exits 1', async () => {
    fresh(() => ({ status: 403, body: { code: 'FORBIDDEN', message: 'this needs the contributor role; token "ci" has viewer', details: {} } }));
    const io = captureIo();
    expect(await run(['publish', '--bucket', 'ubuntu-base', join(PACKER, 'single', 'manifest.json')], env(server), io)).toBe(1);
    expect(io.err).toMatch(/\ngilt: this needs the contributor role; token "ci" has viewer\n$/);
    expect(server.requests).toHaveLength(1);
  });
});

describe('gilt publish: retries reuse the idempotency key', () => {
  let server: FakeServer;
  let reply: (req: Recorded, i: number) => Reply = () => ({ status: 201, body: publishAnswer() });
  beforeAll(async () => {
    server = await startServer((req, i) => reply(req, i));
  });
  afterAll(() => server.close());
  const fresh = (r: typeof reply) => {
    server.requests.length = 0;
    reply = r;
  };
  const manifest = join(PACKER, 'single', 'manifest.json');

  it('503 then 201: the same Idempotency-Key arrives twice, and the publish succeeds', async () => {
    fresh((_, i) => (i === 0 ? { status: 503, body: { code: 'UNAVAILABLE', message: 'ingestion did not answer', details: {} } } : { status: 201, body: publishAnswer() }));
    const io = captureIo();
    expect(await run(['publish', '--bucket', 'ubuntu-base', manifest], env(server), io)).toBe(0);
    expect(server.requests).toHaveLength(2);
    const [a, b] = server.requests.map((r) => r.headers['idempotency-key']);
    expect(a).toMatch(/^[A-Za-z0-9]{26}$/);
    expect(b).toBe(a);
    expect(server.requests[1]!.text).toBe(server.requests[0]!.text);
    expect(io.err).toMatch(/POST \/v1\/buckets\/ubuntu-base\/publish: 503 .*ingestion did not answer.*; retrying in \d+ms \(attempt 2 of 4\)/);
    expect(io.out).toMatch(/^published ubuntu-base v3/);
  });

  it('a dropped connection and a timeout are retried with the same key', async () => {
    fresh((_, i) => (i === 0 ? 'destroy' : i === 1 ? { status: 201, body: publishAnswer(), delayMs: 1000 } : { status: 201, body: publishAnswer() }));
    const io = captureIo({ timeoutMs: 250 });
    expect(await run(['publish', '--bucket', 'ubuntu-base', manifest], env(server), io)).toBe(0);
    expect(server.requests).toHaveLength(3);
    expect(new Set(server.requests.map((r) => r.headers['idempotency-key'])).size).toBe(1);
    expect(io.err).toMatch(/no answer from .* within 250ms/);
  });

  it('gives up after 3 retries (4 attempts) and reports the last error', async () => {
    fresh(() => ({ status: 502, body: { code: 'UNAVAILABLE', message: 'NATS is down', details: {} } }));
    const io = captureIo();
    expect(await run(['publish', '--bucket', 'ubuntu-base', manifest], env(server), io)).toBe(1);
    expect(server.requests).toHaveLength(4);
    expect(new Set(server.requests.map((r) => r.headers['idempotency-key'])).size).toBe(1);
    expect(io.err.trim().split('\n').pop()).toBe('gilt: NATS is down');
  });

  it('does not retry a 4xx, and each invocation has its own key', async () => {
    fresh(() => ({ status: 409, body: { code: 'CONFLICT', message: 'version is being deleted', details: {} } }));
    expect(await run(['publish', '--bucket', 'ubuntu-base', manifest], env(server), captureIo())).toBe(1);
    expect(await run(['publish', '--bucket', 'ubuntu-base', manifest], env(server), captureIo())).toBe(1);
    expect(server.requests).toHaveLength(2);
    expect(server.requests[0]!.headers['idempotency-key']).not.toBe(server.requests[1]!.headers['idempotency-key']);
  });

  it('reads send no Idempotency-Key', async () => {
    fresh(() => ({ status: 200, body: { buckets: [], pagination: { next_page_token: null, total: 0 } } }));
    expect(await run(['buckets', 'list'], env(server), captureIo())).toBe(0);
    expect(server.requests[0]!.headers['idempotency-key']).toBeUndefined();
  });
});

describe('gilt publish: the tokens-free paths still need a manifest', () => {
  it('writes the dry-run body with --json', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gilt-cli-'));
    try {
      const file = join(dir, 'packer-manifest.json');
      writeFileSync(file, readFileSync(join(PACKER, 'single', 'manifest.json')));
      const io = captureIo({ cwd: dir });
      expect(await run(['publish', '--dry-run', '--json', '--bucket', 'ubuntu-base', 'packer-manifest.json'], {}, io)).toBe(0);
      const body = JSON.parse(io.out) as Record<string, unknown>;
      expect(body.manifest).toEqual(JSON.parse(readFileSync(file, 'utf8')));
      expect(typeof body.fingerprint).toBe('string');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
