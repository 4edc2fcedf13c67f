import { describe, it, expect, beforeEach, afterEach } from '@jest/globals';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from './index.js';
import { captureIo } from './test-support/fake-server.js';

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

describe('gilt token create (offline)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'gilt-tokens-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const create = async (args: string[], env: Record<string, string> = {}) => {
    const io = captureIo({ cwd: dir });
    const code = await run(['token', 'create', ...args], env, io);
    return { code, out: io.out, err: io.err };
  };

  it('creates ./.gilt/tokens.json (0600), stores only the hash and prints the token once', async () => {
    const r = await create(['--role', 'contributor', '--name', 'ci-packer']);
    expect(r.code).toBe(0);
    const token = r.out.trim();
    expect(r.out).toBe(`${token}\n`);
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/); // 32 random bytes, base64url
    expect(r.err).toMatch(/created token "ci-packer" \(contributor\) in \.gilt\/tokens\.json; it is shown only this once/);
    const file = join(dir, '.gilt', 'tokens.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const doc = JSON.parse(readFileSync(file, 'utf8'));
    expect(doc).toEqual({ tokens: [{ name: 'ci-packer', role: 'contributor', sha256: sha256(token) }] });
    expect(readFileSync(file, 'utf8')).not.toContain(token);
  });

  it('appends to an existing file, keeping what is there', async () => {
    const file = join(dir, 'tokens.json');
    writeFileSync(file, JSON.stringify({ tokens: [{ name: 'admin', role: 'admin', sha256: 'a'.repeat(64) }], comment: 'kept' }));
    const r = await create(['--role', 'viewer', '--name', 'grafana'], { GILT_TOKENS_FILE: file });
    expect(r.code).toBe(0);
    const doc = JSON.parse(readFileSync(file, 'utf8'));
    expect(doc.comment).toBe('kept');
    expect(doc.tokens).toEqual([
      { name: 'admin', role: 'admin', sha256: 'a'.repeat(64) },
      { name: 'grafana', role: 'viewer', sha256: sha256(r.out.trim()) },
    ]);
    expect(r.err).toMatch(/^added token "grafana"/);
  });

  it('--file wins over GILT_TOKENS_FILE; two tokens differ', async () => {
    const a = await create(['--role', 'admin', '--name', 'a', '--file', 'x/t.json'], { GILT_TOKENS_FILE: join(dir, 'env.json') });
    const b = await create(['--role', 'admin', '--name', 'b', '--file', 'x/t.json']);
    expect(a.code + b.code).toBe(0);
    expect(existsSync(join(dir, 'env.json'))).toBe(false);
    expect(a.out).not.toBe(b.out);
    expect(JSON.parse(readFileSync(join(dir, 'x', 't.json'), 'utf8')).tokens.map((t: { name: string }) => t.name)).toEqual(['a', 'b']);
  });

  it('refuses a duplicate name and leaves the file as it was', async () => {
    expect((await create(['--role', 'admin', '--name', 'ops'])).code).toBe(0);
    const file = join(dir, '.gilt', 'tokens.json');
    const before = readFileSync(file, 'utf8');
    const r = await create(['--role', 'viewer', '--name', 'ops']);
    expect(r).toEqual({ code: 1, out: '', err: 'gilt: .gilt/tokens.json: a token named "ops" already exists; pick another --name\n' });
    expect(readFileSync(file, 'utf8')).toBe(before);
  });

  it('refuses a file that is not a tokens file', async () => {
    writeFileSync(join(dir, 'bad.json'), '[1,2]');
    const r = await create(['--role', 'viewer', '--name', 'x', '--file', 'bad.json']);
    expect(r.code).toBe(1);
    expect(r.err).toBe('gilt: bad.json: not a tokens file: expected {"tokens": [...]}\n');
    expect(readFileSync(join(dir, 'bad.json'), 'utf8')).toBe('[1,2]');
  });

  it('--json prints name, role, token and file', async () => {
    const r = await create(['--json', '--role', 'viewer', '--name', 'dash']);
    const out = JSON.parse(r.out);
    expect(out).toMatchObject({ name: 'dash', role: 'viewer', file: join(dir, '.gilt', 'tokens.json') });
    expect(out.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('rejects bad roles and names as usage errors', async () => {
    expect((await create(['--role', 'owner', '--name', 'x'])).code).toBe(2);
    expect((await create(['--role', 'admin', '--name', 'has space'])).code).toBe(2);
    expect(existsSync(join(dir, '.gilt'))).toBe(false);
  });
});
