import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { REPO_ROOT, runCli, startGilt, type GiltStack } from '@gilt/testing';

// Real `packer build` (Debian's packer 1.6.6, null and file builders) against a running Gilt,
// with the templates the README shows.

let gilt: GiltStack;
let work: string;

beforeAll(async () => {
  gilt = await startGilt();
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'gilt-packer-'));
});
afterAll(async () => {
  await gilt?.stop();
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

function packerBuild(template: string, dir: string, vars: Record<string, string> = {}): Promise<{ code: number; output: string }> {
  fs.mkdirSync(dir, { recursive: true });
  const args = ['build', '-color=false', ...Object.entries(vars).flatMap(([k, v]) => ['-var', `${k}=${v}`]), path.join(REPO_ROOT, 'examples', 'packer', template)];
  return new Promise((resolve, reject) => {
    const child = spawn('packer', args, {
      cwd: dir,
      env: {
        ...gilt.env('contributor'),
        PATH: `${path.join(REPO_ROOT, 'bin')}:${process.env.PATH}`,
        CHECKPOINT_DISABLE: '1',
        PACKER_CACHE_DIR: path.join(dir, '.packer_cache'),
        TMPDIR: dir,
      },
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, output }));
  });
}

const cli = (args: string[], role: 'admin' | 'contributor' | 'viewer' = 'contributor', cwd?: string) => runCli(args, gilt.env(role), { cwd });

describe('packer build publishes into Gilt', () => {
  it('publishes each build from the shell-local post-processor (JSON template) and assigns dev', async () => {
    const run = await packerBuild('golden.json', path.join(work, 'run1'));
    expect(run.output).toContain('published ubuntu-base v1');
    expect(run.code).toBe(0);
    const versions = await gilt.request('GET', '/v1/buckets/ubuntu-base/versions', { role: 'viewer' });
    expect(versions.body.versions).toHaveLength(1);
    const v = versions.body.versions[0];
    expect(v).toMatchObject({ name: 'v1', status: 'ACTIVE', channels: expect.arrayContaining(['dev', 'latest']) });
    expect(v.builds[0]).toMatchObject({ name: 'amazon-ebs.ubuntu', builder_type: 'null', source_external_id: 'ami-04895f74eb055bfbd', labels: { team: 'platform', os: 'ubuntu-22.04' } });
    // The fingerprint is the Packer run UUID the post-processor saw.
    const manifest = JSON.parse(fs.readFileSync(path.join(work, 'run1', 'packer-manifest.json'), 'utf8'));
    expect(v.fingerprint).toBe(manifest.last_run_uuid);
  });

  it('publishes from the HCL2 template too', async () => {
    const run = await packerBuild('golden.pkr.hcl', path.join(work, 'hcl'), { bucket: 'ubuntu-hcl' });
    expect(run.code).toBe(0);
    const v = (await gilt.request('GET', '/v1/buckets/ubuntu-hcl/versions/v1', { role: 'viewer' })).body.version;
    expect(v.builds.map((b: any) => b.name)).toEqual(['ubuntu']);
  });

  it('publishes a multi-build run once after packer exits, and marks a missing build failed', async () => {
    const dir = path.join(work, 'multi');
    const run = await packerBuild('multi.json', dir);
    expect(run.code).toBe(0);
    const ok = await cli(['publish', '--bucket', 'ubuntu-multi', '--builds', 'amazon-ebs.ubuntu,azure-arm.ubuntu,docker.ubuntu', 'packer-manifest.json'], 'contributor', dir);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/published ubuntu-multi v1/);
    const v = (await gilt.request('GET', '/v1/buckets/ubuntu-multi/versions/v1', { role: 'viewer' })).body.version;
    expect(v.status).toBe('ACTIVE');
    expect(v.builds.map((b: any) => `${b.name}/${b.builder_type}`).sort()).toEqual(['amazon-ebs.ubuntu/null', 'azure-arm.ubuntu/null', 'docker.ubuntu/file']);

    const again = await cli(['publish', '--bucket', 'ubuntu-multi', '--builds', 'amazon-ebs.ubuntu,azure-arm.ubuntu,docker.ubuntu', 'packer-manifest.json'], 'contributor', dir);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/nothing changed/);

    const missing = await cli(['publish', '--bucket', 'ubuntu-multi', '--fingerprint', 'with-gce', '--builds', 'amazon-ebs.ubuntu,googlecompute.ubuntu', 'packer-manifest.json'], 'contributor', dir);
    expect(missing.code).toBe(0);
    const failed = (await gilt.request('GET', '/v1/buckets/ubuntu-multi/versions/with-gce', { role: 'viewer' })).body.version;
    expect(failed.status).toBe('FAILED');
    expect(failed.name).toBe('v0');
    expect(failed.builds.find((b: any) => b.name === 'googlecompute.ubuntu')).toMatchObject({ status: 'FAILED' });
  });

  it('refuses a bad manifest in the CLI and writes nothing', async () => {
    const before = await gilt.logHead();
    const r = await cli(['publish', '--bucket', 'ubuntu-base', path.resolve(REPO_ROOT, '../shared/fixtures/bad-input/name-dotdot.json')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/builds\[1\]\.name/);
    expect(await gilt.logHead()).toBe(before);
  });
});

describe('from packer build to a deploy (channels)', () => {
  it('promotes dev to prod, resolves the new artifact, and rolls back to the previous one', async () => {
    const promote1 = await cli(['channels', 'promote', 'ubuntu-base', '--from', 'dev', '--to', 'prod', '--reason', 'first release'], 'admin');
    expect(promote1.code).toBe(0);

    const run2 = await packerBuild('golden.json', path.join(work, 'run2'));
    expect(run2.code).toBe(0);
    expect(run2.output).toContain('published ubuntu-base v2');
    const dev = (await gilt.request('GET', '/v1/buckets/ubuntu-base/channels/dev', { role: 'viewer' })).body.channel;
    expect(dev.version.name).toBe('v2');

    const promote2 = await cli(['channels', 'promote', 'ubuntu-base', '--from', 'dev', '--to', 'prod'], 'admin');
    expect(promote2.code).toBe(0);
    const resolved = await cli(['resolve', 'ubuntu-base:prod', '--platform', 'null', '--json'], 'viewer');
    expect(resolved.code).toBe(0);
    expect(JSON.parse(resolved.stdout)).toMatchObject({ external_id: 'Null', version: { name: 'v2' }, revoked: false });
    const idOnly = await cli(['resolve', 'ubuntu-base:prod', '--platform', 'null'], 'viewer');
    expect(idOnly.stdout.trim()).toBe('Null');

    const rollback = await cli(['channels', 'rollback', 'ubuntu-base:prod', '--reason', 'smoke test failed'], 'admin');
    expect(rollback.code).toBe(0);
    const after = await cli(['resolve', 'ubuntu-base:prod', '--platform', 'null', '--json'], 'viewer');
    expect(JSON.parse(after.stdout).version.name).toBe('v1');

    const history = await cli(['channels', 'history', 'ubuntu-base:prod'], 'viewer');
    expect(history.stdout).toMatch(/smoke test failed/);
    expect(history.stdout).toMatch(/first release/);
  });

  it('exits non-zero when resolve finds nothing', async () => {
    const r = await cli(['resolve', 'ubuntu-base:prod', '--platform', 'aws', '--region', 'us-east-1'], 'viewer');
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
  });
});
