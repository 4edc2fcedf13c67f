// A whole Gilt for end-to-end tests: its own nats-server and redis-server, every service as a
// real process from its built dist/, and tokens for each role. Tests talk to it over HTTP and
// the CLI exactly as a pipeline would.

import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import * as fsp from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect } from '@nats-io/transport-node';
import { Queries } from '@gilt/contracts';
import { freePort, startNats, startRedis, type RunningServer } from './servers.js';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export type ServiceName = 'ingestion' | 'channels' | 'gateway' | 'ancestry' | 'revocation' | 'notifier';
export type TokenRole = 'admin' | 'contributor' | 'viewer';

export interface GiltStack {
  url: string;
  nats: RunningServer;
  redis: RunningServer;
  tokens: Record<TokenRole, string>;
  tokensFile: string;
  /** Environment for a service or the CLI: GILT_NATS_URL, GILT_URL, GILT_TOKEN (admin unless told). */
  env(role?: TokenRole): NodeJS.ProcessEnv;
  /** fetch() against the gateway with a role's bearer token. */
  request(method: string, urlPath: string, opts?: { role?: TokenRole | null; body?: unknown; rawBody?: string | Buffer; headers?: Record<string, string> }): Promise<{ status: number; headers: Headers; body: any; text: string }>;
  startService(name: ServiceName): Promise<void>;
  stopService(name: ServiceName, signal?: NodeJS.Signals): Promise<void>;
  /** The log's head: tests that must write nothing compare it before and after. */
  logHead(): Promise<number>;
  stop(): Promise<void>;
}

export interface StartGiltOptions {
  services?: ServiceName[];
  /** Print service output to stderr (debugging). */
  log?: boolean;
}

const HEALTH_SUBJECT: Partial<Record<ServiceName, string>> = {
  ingestion: Queries.ingestion.health,
  channels: Queries.channels.health,
  ancestry: Queries.ancestry.health,
  revocation: Queries.revocation.health,
  notifier: Queries.notifier.health,
};

export async function startGilt(opts: StartGiltOptions = {}): Promise<GiltStack> {
  const services = opts.services ?? ['ingestion', 'channels', 'ancestry', 'revocation', 'notifier', 'gateway'];
  const [nats, redis, port] = await Promise.all([startNats(), startRedis(), freePort()]);
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'gilt-stack-'));
  const tokens: Record<TokenRole, string> = {
    admin: randomBytes(24).toString('base64url'),
    contributor: randomBytes(24).toString('base64url'),
    viewer: randomBytes(24).toString('base64url'),
  };
  const tokensFile = path.join(dir, 'tokens.json');
  const sha = (t: string) => createHash('sha256').update(t).digest('hex');
  await fsp.writeFile(tokensFile, JSON.stringify({ tokens: (Object.keys(tokens) as TokenRole[]).map((role) => ({ name: `${role}-user`, role, sha256: sha(tokens[role]) })) }));
  const url = `http://127.0.0.1:${port}`;
  const children = new Map<ServiceName, ChildProcess>();
  const nc = await connect({ servers: nats.url, name: 'gilt-stack-probe' });

  const env = (role: TokenRole = 'admin'): NodeJS.ProcessEnv => ({
    ...process.env,
    NODE_OPTIONS: '',
    GILT_NATS_URL: nats.url,
    GILT_REDIS_URL: redis.url,
    GILT_TOKENS_FILE: tokensFile,
    GILT_PORT: String(port),
    GILT_URL: url,
    GILT_TOKEN: tokens[role],
  });

  const waitReady = async (name: ServiceName) => {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const child = children.get(name);
      if (!child || child.exitCode !== null) throw new Error(`${name} exited during start (code ${child?.exitCode})`);
      try {
        if (name === 'gateway') {
          const r = await fetch(`${url}/healthz`);
          if (r.status === 200) return;
        } else {
          await nc.request(HEALTH_SUBJECT[name]!, JSON.stringify({ pattern: HEALTH_SUBJECT[name], data: {}, id: 'probe' }), { timeout: 500 });
          return;
        }
      } catch {
        // not up yet
      }
      if (Date.now() > deadline) throw new Error(`${name} did not become ready within 30 s`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  const startService = async (name: ServiceName) => {
    const child = spawn(process.execPath, [path.join(REPO_ROOT, 'services', name, 'dist', 'main.js')], {
      env: env(),
      stdio: ['ignore', opts.log ? 'inherit' : 'ignore', opts.log ? 'inherit' : 'pipe'],
    });
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
    children.set(name, child);
    try {
      await waitReady(name);
    } catch (err) {
      throw new Error(`${(err as Error).message}\n${stderr}`);
    }
  };

  const stopService = async (name: ServiceName, signal: NodeJS.Signals = 'SIGTERM') => {
    const child = children.get(name);
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  };

  const stop = async () => {
    await Promise.all([...children.keys()].map((n) => stopService(n)));
    await nc.close();
    await Promise.all([nats.stop(), redis.stop()]);
    await fsp.rm(dir, { recursive: true, force: true });
  };

  try {
    // Microservices first, so the gateway never answers a write with "no responders".
    for (const name of services.filter((s) => s !== 'gateway')) await startService(name);
    if (services.includes('gateway')) await startService('gateway');
  } catch (err) {
    await stop();
    throw err;
  }

  return {
    url,
    nats,
    redis,
    tokens,
    tokensFile,
    env,
    startService,
    stopService,
    stop,
    async logHead() {
      const jsm = await (await import('@nats-io/jetstream')).jetstreamManager(nc);
      try {
        return (await jsm.streams.info('GILT_LOG')).state.last_seq;
      } catch {
        return 0;
      }
    },
    async request(method, urlPath, ropts = {}) {
      const headers: Record<string, string> = { ...(ropts.headers ?? {}) };
      const role = ropts.role === undefined ? 'admin' : ropts.role;
      if (role) headers.authorization = `Bearer ${tokens[role]}`;
      let body: string | Buffer | undefined;
      if (ropts.rawBody !== undefined) body = ropts.rawBody;
      else if (ropts.body !== undefined) body = JSON.stringify(ropts.body);
      if (body !== undefined && !headers['content-type']) headers['content-type'] = 'application/json';
      const r = await fetch(`${url}${urlPath}`, { method, headers, body });
      const text = await r.text();
      let parsed: unknown = undefined;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        parsed = undefined;
      }
      return { status: r.status, headers: r.headers, body: parsed, text };
    },
  };
}

/** Runs the built `gilt` CLI as a pipeline would. */
export function runCli(args: string[], env: NodeJS.ProcessEnv, opts: { cwd?: string; input?: string } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(REPO_ROOT, 'libs', 'cli', 'bin', 'gilt.js'), ...args], { env: { ...env, NODE_OPTIONS: '' }, cwd: opts.cwd });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(opts.input ?? '');
  });
}
