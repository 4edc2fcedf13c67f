import { afterAll, describe, expect, it } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePort, REPO_ROOT } from '@gilt/testing';

// What `npm start` runs after installing and building: the supervisor, with its own NATS and
// Redis, every service, an admin token on first run, restarts, and a clean Ctrl-C.

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gilt-start-'));
let supervisor: ChildProcess | undefined;

afterAll(() => {
  supervisor?.kill('SIGKILL');
  fs.rmSync(dataDir, { recursive: true, force: true });
});

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function until<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('npm start (the local supervisor)', () => {
  it('starts everything, prints where it is, restarts a dead service and stops all it started on Ctrl-C', async () => {
    const port = await freePort();
    supervisor = spawn(process.execPath, [path.join(REPO_ROOT, 'deploy/local/supervisor.mjs')], {
      env: { ...process.env, NODE_OPTIONS: '', GILT_DATA_DIR: dataDir, GILT_PORT: String(port), GILT_NATS_URL: '', GILT_REDIS_URL: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    supervisor.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    supervisor.stderr!.on('data', () => undefined);
    await until('the banner', () => (out.includes('Press Ctrl-C') ? true : undefined), 60_000);

    expect(out).toContain(`HTTP API   http://127.0.0.1:${port}`);
    expect(out).toMatch(/NATS\s+nats:\/\/127\.0\.0\.1:\d+/);
    expect(out).toMatch(/Redis\s+redis:\/\/127\.0\.0\.1:\d+/);
    expect(out).toContain('admin-token');
    const natsPort = Number(/NATS\s+nats:\/\/127\.0\.0\.1:(\d+)/.exec(out)![1]);
    expect([4222, 6379]).not.toContain(natsPort);

    const token = fs.readFileSync(path.join(dataDir, 'admin-token'), 'utf8').trim();
    expect(fs.statSync(path.join(dataDir, 'admin-token')).mode & 0o077).toBe(0);
    const health = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(health.status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${port}/v1/buckets`)).status).toBe(401);
    const created = await fetch(`http://127.0.0.1:${port}/v1/buckets`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'started' }),
    });
    expect(created.status).toBe(201);

    const state = JSON.parse(fs.readFileSync(path.join(dataDir, 'supervisor.json'), 'utf8'));
    const ingestion = state.services.ingestion as number;
    process.kill(ingestion, 'SIGKILL');
    await until('the restart notice', () => (/ingestion exited .*restarting in/.test(out) ? true : undefined));
    await until('ingestion back', async () => {
      const r = await fetch(`http://127.0.0.1:${port}/v1/buckets`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'after-restart' }),
      });
      return r.status === 201 ? true : undefined;
    });

    const pids = [state.nats.pid, state.redis.pid, ...Object.values(state.services)].filter((p): p is number => typeof p === 'number' && p !== ingestion);
    const exited = new Promise<number | null>((r) => supervisor!.once('exit', (code) => r(code)));
    supervisor.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(out).toContain('gilt: stopped');
    for (const pid of pids) expect(alive(pid)).toBe(false);
  });
});
