// Real nats-server and redis-server processes on free ports, for tests and for the
// embedded `npm start`. DESIGN.md forbids mocks of NATS, JetStream and Redis, and the
// machine's own servers on 4222/6379 must never be touched, so every caller gets its
// own process, its own port and its own data directory.
//
// Only node built-ins are used: this module must work before (and independently of)
// the client libraries whose behaviour it is used to test.

import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';

export interface RunningServer {
  /** nats://127.0.0.1:PORT or redis://127.0.0.1:PORT */
  url: string;
  port: number;
  dataDir: string;
  /** pid of the current process; changes on restart(), -1 while none runs. */
  pid: number;
  /** SIGTERM, SIGKILL after 5 s; removes the data dir if it was created here. Final. */
  stop(): Promise<void>;
  /** SIGKILL (a crash): keeps the data dir, so restart() can show what survives. */
  kill9(): Promise<void>;
  /** Stops (gracefully) if running, then starts again on the same port and data dir. */
  restart(): Promise<void>;
}

export interface StartNatsOptions {
  /** Kept on stop(). Default: a fresh temp dir, removed on stop(). */
  dataDir?: string;
  /** Default: a free port. */
  port?: number;
  /** Copy the server's output to stderr (prefixed). Default: kept only for error messages. */
  log?: boolean;
}

export interface StartRedisOptions {
  dataDir?: string;
  port?: number;
  log?: boolean;
}

type BinaryName = 'nats-server' | 'redis-server';

// Debian puts nats-server in /usr/sbin, which is not in a normal user's PATH.
const EXTRA_BINARY_DIRS = ['/usr/sbin', '/usr/bin', '/usr/local/sbin', '/usr/local/bin'];

/** Absolute path of the server binary; throws a message that says how to get it. */
export function findBinary(name: BinaryName): string {
  const pathDirs = (process.env.PATH ?? '').split(path.delimiter).filter((dir) => dir !== '');
  const candidates = [...new Set([...pathDirs, ...EXTRA_BINARY_DIRS])];
  for (const dir of candidates) {
    const file = path.join(dir, name);
    try {
      fs.accessSync(file, fs.constants.X_OK);
      if (fs.statSync(file).isFile()) return file;
    } catch {
      // not here: try the next directory
    }
  }
  throw new Error(
    `${name} not found: run npm test (it installs it) or apt-get install ${name}` +
      ` (looked in ${candidates.join(', ')})`,
  );
}

/**
 * A port nobody listens on right now. The OS picks it (port 0), so it is never one of
 * the system servers' ports; another process could still take it before we bind,
 * which the start functions handle by retrying with a new port.
 */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export async function startNats(opts: StartNatsOptions = {}): Promise<RunningServer> {
  // A name unique to this server: the readiness probe checks it in the INFO line, so a
  // foreign server that happens to hold the port is never mistaken for ours. It stays
  // the same across restarts, as a real deployment's would.
  const serverName = `gilt-test-${randomBytes(4).toString('hex')}`;
  return startManaged(opts, {
    kind: 'nats',
    binary: findBinary('nats-server'),
    scheme: 'nats',
    args: (port, dataDir) => ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', dataDir, '-n', serverName],
    isReady: (port) => natsAnswers(port, serverName),
  });
}

export async function startRedis(opts: StartRedisOptions = {}): Promise<RunningServer> {
  return startManaged(opts, {
    kind: 'redis',
    binary: findBinary('redis-server'),
    scheme: 'redis',
    // No RDB snapshots, but an append-only file, so restart() and kill9() keep the data
    // (BullMQ jobs) the way a real deployment would.
    args: (port, dataDir) => [
      '--port', String(port),
      '--bind', '127.0.0.1',
      '--dir', dataDir,
      '--save', '',
      '--appendonly', 'yes',
      '--daemonize', 'no',
    ],
    isReady: (port, pid) => redisAnswers(port, pid),
  });
}

// ---------------------------------------------------------------------------------
// Process management shared by both servers

interface ServerSpec {
  kind: 'nats' | 'redis';
  binary: string;
  scheme: string;
  args(port: number, dataDir: string): string[];
  /** True once the process with this pid serves on the port. */
  isReady(port: number, pid: number): Promise<boolean>;
}

const START_TIMEOUT_MS = 30_000; // JetStream recovering a big store on restart is slow
const STOP_GRACE_MS = 5_000;
const POLL_INTERVAL_MS = 50;
const PORT_ATTEMPTS = 5;

async function startManaged(
  opts: { dataDir?: string; port?: number; log?: boolean },
  spec: ServerSpec,
): Promise<RunningServer> {
  const ownsDataDir = opts.dataDir === undefined;
  const dataDir = opts.dataDir ?? (await fsp.mkdtemp(path.join(os.tmpdir(), `gilt-${spec.kind}-`)));
  await fsp.mkdir(dataDir, { recursive: true });

  // With a caller-chosen port a collision is the caller's problem: report it. With a
  // port of our choosing, someone may have grabbed it between freePort() and the
  // server's bind: pick another one.
  const attempts = opts.port === undefined ? PORT_ATTEMPTS : 1;
  for (let attempt = 1; ; attempt++) {
    const port = opts.port ?? (await freePort());
    const server = new ManagedServer(spec, port, dataDir, ownsDataDir, opts.log ?? false);
    try {
      await server.launch();
      return server;
    } catch (err) {
      const retry = err instanceof PortInUse && attempt < attempts;
      if (!retry) {
        if (ownsDataDir) await fsp.rm(dataDir, { recursive: true, force: true });
        throw err;
      }
    }
  }
}

class PortInUse extends Error {}

// Servers that are running now, so the process 'exit' handler can take them down.
const live = new Set<ManagedServer>();

class ManagedServer implements RunningServer {
  readonly url: string;
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private stopped = false;
  // The last output, for error messages: a server that fails to start says why there.
  private outputTail = '';

  constructor(
    private readonly spec: ServerSpec,
    readonly port: number,
    readonly dataDir: string,
    private readonly ownsDataDir: boolean,
    private readonly log: boolean,
  ) {
    this.url = `${spec.scheme}://127.0.0.1:${port}`;
  }

  get pid(): number {
    return this.child?.pid ?? -1;
  }

  /** Spawns the process and resolves once it answers on its port. */
  async launch(): Promise<void> {
    installExitHandlers();
    this.outputTail = '';
    const child = spawn(this.spec.binary, this.spec.args(this.port, this.dataDir), {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    this.exited = new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.once('error', () => resolve()); // spawn failed: there will be no 'exit'
    });
    let spawnError: Error | undefined;
    child.once('error', (err) => (spawnError = err));
    for (const stream of [child.stdout, child.stderr]) stream?.on('data', (chunk: Buffer) => this.onOutput(chunk));
    live.add(this);

    // A forgotten server must not keep a test run (or a script) alive: the process may
    // exit, and the exit handler then kills it. terminate() refs it again while it
    // waits for the exit, or an `await stop()` could see the process end under it.
    child.unref();
    for (const stream of [child.stdout, child.stderr]) (stream as unknown as net.Socket | null)?.unref();

    const deadline = Date.now() + START_TIMEOUT_MS;
    for (;;) {
      if (spawnError || child.exitCode !== null || child.signalCode !== null) {
        await this.exited;
        live.delete(this);
        this.child = undefined;
        const why = spawnError?.message ?? `exited with ${child.exitCode ?? child.signalCode}`;
        const message = `${this.spec.binary} on port ${this.port} ${why} while starting:\n${this.outputTail}`;
        throw /address already in use/i.test(this.outputTail) ? new PortInUse(message) : new Error(message);
      }
      if (child.pid !== undefined && (await this.spec.isReady(this.port, child.pid))) return;
      if (Date.now() > deadline) {
        await this.terminate('SIGKILL');
        throw new Error(
          `${this.spec.binary} on port ${this.port} did not answer within ${START_TIMEOUT_MS} ms:\n${this.outputTail}`,
        );
      }
      await sleep(POLL_INTERVAL_MS);
    }
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.terminate('SIGTERM');
    if (this.ownsDataDir) await fsp.rm(this.dataDir, { recursive: true, force: true });
  }

  async kill9(): Promise<void> {
    await this.terminate('SIGKILL');
  }

  async restart(): Promise<void> {
    if (this.stopped) throw new Error(`${this.url} was stopped (and its data dir removed); start a new server`);
    await this.terminate('SIGTERM');
    await this.launch();
  }

  /** Called from the process 'exit' handler: synchronous, no waiting possible. */
  killNow(): void {
    // Data in a caller's dir (npm start's ./.gilt) deserves a clean shutdown, which
    // the server does on its own after SIGTERM; a temp dir is thrown away anyway.
    this.child?.kill(this.ownsDataDir ? 'SIGKILL' : 'SIGTERM');
    if (this.ownsDataDir) fs.rmSync(this.dataDir, { recursive: true, force: true });
  }

  private async terminate(signal: 'SIGTERM' | 'SIGKILL'): Promise<void> {
    const child = this.child;
    if (!child) return;
    if (child.exitCode === null && child.signalCode === null) {
      child.ref();
      child.kill(signal);
      const escalate = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
      await this.exited;
      clearTimeout(escalate);
    }
    live.delete(this);
    this.child = undefined;
  }

  private onOutput(chunk: Buffer): void {
    const text = chunk.toString('utf8');
    this.outputTail = (this.outputTail + text).slice(-8192);
    if (this.log) {
      const prefix = `[${this.spec.kind}:${this.port}] `;
      process.stderr.write(text.replace(/^(?=.)/gm, prefix));
    }
  }
}

let exitHandlersInstalled = false;

/**
 * Child processes must not outlive us. 'exit' covers a normal end and process.exit();
 * a fatal signal skips 'exit', so we also listen for those, but only act when nobody
 * else does: a program with its own SIGTERM handler (a supervisor shutting down
 * gracefully) decides itself, and calls stop() or ends in 'exit' later.
 */
function installExitHandlers(): void {
  if (exitHandlersInstalled) return;
  exitHandlersInstalled = true;
  process.on('exit', killAll);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = (): void => {
      if (process.listenerCount(signal) > 1) return;
      killAll();
      // Die of the signal as we would have without this listener.
      process.removeListener(signal, onSignal);
      process.kill(process.pid, signal);
    };
    process.on(signal, onSignal);
  }
}

function killAll(): void {
  for (const server of live) {
    try {
      server.killNow();
    } catch {
      // best effort: we are exiting and cannot report anything
    }
  }
  live.clear();
}

// ---------------------------------------------------------------------------------
// Readiness probes over raw TCP (no client library: see the top of the file)

/** The server's INFO line names our server and has JetStream on. */
async function natsAnswers(port: number, serverName: string): Promise<boolean> {
  const received = await exchange(port, '', (text) => text.includes('\r\n'));
  const line = received?.split('\r\n')[0];
  if (!line?.startsWith('INFO ')) return false;
  try {
    const info = JSON.parse(line.slice('INFO '.length)) as { server_name?: string; jetstream?: boolean };
    return info.server_name === serverName && info.jetstream === true;
  } catch {
    return false;
  }
}

/**
 * PING answers PONG, INFO says it is our process (not a foreign server on the same
 * port) and that it is not still loading the append-only file.
 */
async function redisAnswers(port: number, pid: number): Promise<boolean> {
  const received = await exchange(port, 'PING\r\nINFO\r\n', redisRepliesComplete);
  if (!received?.startsWith('+PONG\r\n')) return false;
  return received.includes(`\r\nprocess_id:${pid}\r\n`) && received.includes('\r\nloading:0\r\n');
}

/** Both replies are in: a PONG line, then an error line or a whole `$len` bulk string. */
function redisRepliesComplete(text: string): boolean {
  const firstEnd = text.indexOf('\r\n');
  if (firstEnd < 0) return false;
  if (!text.startsWith('+')) return true; // an error (e.g. -LOADING): not ready, stop reading
  const second = text.slice(firstEnd + 2);
  const headerEnd = second.indexOf('\r\n');
  if (headerEnd < 0) return false;
  if (!second.startsWith('$')) return true;
  const length = Number(second.slice(1, headerEnd));
  return Buffer.byteLength(second.slice(headerEnd + 2)) >= length + 2;
}

/**
 * Connects, sends `request`, collects what comes back until `complete` says so.
 * Resolves undefined on any failure (refused, closed, slow): the caller polls again.
 */
function exchange(
  port: number,
  request: string,
  complete: (received: string) => boolean,
  timeoutMs = 2_000,
): Promise<string | undefined> {
  return new Promise((resolve) => {
    let received = '';
    const socket = net.connect({ host: '127.0.0.1', port });
    const finish = (result: string | undefined): void => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(timeoutMs, () => finish(undefined));
    socket.once('error', () => finish(undefined));
    socket.once('close', () => finish(undefined));
    socket.once('connect', () => {
      if (request !== '') socket.write(request);
    });
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('utf8');
      if (complete(received)) finish(received);
    });
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
