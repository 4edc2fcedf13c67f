import { describe, it, expect, beforeAll, afterAll, beforeEach } from '@jest/globals';
import { run } from './index.js';
import { captureIo, deadPort, startServer, type FakeServer } from './test-support/fake-server.js';

describe('gilt: arguments and usage', () => {
  let server: FakeServer;
  beforeAll(async () => {
    server = await startServer(() => ({ status: 200, body: {} }));
  });
  afterAll(() => server.close());
  beforeEach(() => {
    server.requests.length = 0;
  });
  const env = () => ({ GILT_URL: server.url, GILT_TOKEN: 't0ken' });

  it('--help lists every command and the global flags on stdout, exit 0', async () => {
    const io = captureIo();
    expect(await run(['--help'], env(), io)).toBe(0);
    for (const line of [
      'publish MANIFEST',
      'buckets list',
      'buckets create NAME',
      'versions get BUCKET:VERSION',
      'channels set BUCKET:CHANNEL VERSION',
      'channels history BUCKET:CHANNEL',
      'channels rollback BUCKET:CHANNEL',
      'channels promote BUCKET',
      'ancestry BUCKET:VERSION',
      'resolve BUCKET:CHANNEL',
      'search EXTERNAL_ID',
      'token create',
      '--url URL',
      '--token TOKEN',
      '--json',
      'GILT_URL',
      'PACKER_BUILD_NAME',
    ]) {
      expect(io.out).toContain(line);
    }
    expect(io.err).toBe('');
    expect(server.requests).toHaveLength(0);
  });

  it.each([
    [['publish', '--help'], ['--bucket NAME', '--fingerprint F', '--channel C', '--parent ID|B:C', '--builds a,b,c', '--all-runs', '--run-uuid U', '--description D', 'PACKER_BUILDER_TYPE']],
    [['channels', '--help'], ['channels set BUCKET:CHANNEL VERSION', 'channels unrestrict BUCKET:CHANNEL']],
    [['channels', 'promote', '-h'], ['Usage: gilt channels promote BUCKET [flags]', '--from C', '--to C', '--reason R']],
    [['buckets', 'create', '--help'], ['--label KEY=VALUE', '(repeatable)']],
    [['help', 'resolve'], ['--platform P', '--region R', '--build NAME']],
    [['token', 'create', '--help'], ['--role ROLE', '--name NAME', '--file PATH']],
  ])('%j shows the command usage', async (argv, expected) => {
    const io = captureIo();
    expect(await run(argv, {}, io)).toBe(0);
    for (const e of expected) expect(io.out).toContain(e);
  });

  it.each([
    [[], /no command given/],
    [['bogus'], /unknown command "bogus"/],
    [['buckets'], /buckets: which command\? \(list, get, create, update, delete\)/],
    [['buckets', 'frobnicate'], /unknown buckets command "frobnicate"/],
    [['buckets', 'list', '--nope'], /unknown flag '--nope'/],
    [['buckets', 'list', 'extra'], /unexpected argument "extra"/],
    [['buckets', 'get'], /missing NAME/],
    [['buckets', 'get', 'a'], /bucket "a" is not a valid name/],
    [['buckets', 'create', 'ubuntu-base', '--label', 'novalue'], /--label expects KEY=VALUE/],
    [['publish'], /missing MANIFEST/],
    [['publish', 'm.json'], /--bucket is required/],
    [['publish', '--bucket'], /--bucket needs a value/],
    [['publish', '--bucket', '--json', 'm.json'], /--bucket needs a value/],
    [['buckets', 'list', '--json=yes'], /--json/],
    [['publish', '--bucket', 'ubuntu-base', 'a.json', 'b.json'], /unexpected argument "b.json"/],
    [['publish', '--bucket', 'ubuntu-base', '--channel', 'no/slash', 'm.json'], /channel "no\/slash" is not a valid name/],
    [['versions', 'get', 'ubuntu-base'], /expected BUCKET:VERSION/],
    [['channels', 'get', 'ubuntu-base:'], /expected BUCKET:CHANNEL/],
    [['channels', 'set', 'ubuntu-base:prod'], /missing VERSION/],
    [['channels', 'set', 'ubuntu-base:prod', 'v1', '--restricted'], /unknown flag '--restricted'/],
    [['channels', 'promote', 'ubuntu-base', '--from', 'dev'], /--to is required/],
    [['channels', 'history', 'ubuntu-base:prod', '--limit', '0'], /--limit must be a whole number from 1 to 500/],
    [['resolve', 'ubuntu-base:prod'], /--platform is required/],
    [['token', 'create', '--role', 'root', '--name', 'x'], /--role must be one of viewer, contributor, admin/],
    [['token', 'create', '--role', 'admin'], /--name is required/],
  ])('%j is a usage error: exit 2, nothing sent', async (argv, message) => {
    const io = captureIo();
    expect(await run(argv, env(), io)).toBe(2);
    expect(io.err).toMatch(message);
    expect(io.err).toMatch(/Run 'gilt .*--help' for usage\.\n$/);
    expect(io.out).toBe('');
    expect(server.requests).toHaveLength(0);
  });

  it('flags may come before the command', async () => {
    const io = captureIo();
    expect(await run(['--url', server.url, '--json', 'buckets', 'list'], { GILT_TOKEN: 't' }, io)).toBe(0);
    expect(server.requests).toHaveLength(1);
  });

  it('refuses to run without a token, clearly, sending nothing', async () => {
    const io = captureIo();
    expect(await run(['buckets', 'list'], { GILT_URL: server.url }, io)).toBe(2);
    expect(io.err).toBe('gilt: no API token: set GILT_TOKEN or pass --token (an admin can make one with `gilt token create`)\n');
    expect(server.requests).toHaveLength(0);
  });

  it('refuses a URL that is not http(s)', async () => {
    const io = captureIo();
    expect(await run(['buckets', 'list'], { GILT_URL: 'ftp://x', GILT_TOKEN: 't' }, io)).toBe(2);
    expect(io.err).toMatch(/not an http:\/\/ or https:\/\/ URL/);
  });

  it('--url and --token override GILT_URL and GILT_TOKEN', async () => {
    const dead = `http://127.0.0.1:${await deadPort()}`;
    const io = captureIo();
    expect(await run(['buckets', 'list', '--url', server.url, '--token', 'from-flag'], { GILT_URL: dead, GILT_TOKEN: 'from-env' }, io)).toBe(0);
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]!.headers.authorization).toBe('Bearer from-flag');
  });

  it('a server that cannot be reached: retried, then exit 1 with the reason', async () => {
    const dead = `http://127.0.0.1:${await deadPort()}`;
    const io = captureIo({ retryDelayMs: 1 });
    expect(await run(['buckets', 'list'], { GILT_URL: dead, GILT_TOKEN: 't' }, io)).toBe(1);
    const lines = io.err.trim().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(/retrying in 1ms \(attempt 2 of 4\)/);
    expect(lines[3]).toMatch(/^gilt: cannot reach http:\/\/127\.0\.0\.1:\d+: connect ECONNREFUSED/);
  });

  it('--version', async () => {
    const io = captureIo();
    expect(await run(['--version'], {}, io)).toBe(0);
    expect(io.out).toBe('gilt 0.1.0\n');
  });
});
