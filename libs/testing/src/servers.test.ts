import { describe, it, expect } from '@jest/globals';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { findBinary, freePort, startNats, startRedis } from './servers.js';

// The machine's own servers: ours must never be on these.
const SYSTEM_PORTS = [4222, 6379];

describe('findBinary', () => {
  it('finds both servers as absolute executable paths', () => {
    for (const name of ['nats-server', 'redis-server'] as const) {
      const file = findBinary(name);
      expect(path.isAbsolute(file)).toBe(true);
      expect(() => fs.accessSync(file, fs.constants.X_OK)).not.toThrow();
    }
  });
});

describe('freePort', () => {
  it('returns a port that can be listened on', async () => {
    const port = await freePort();
    expect(SYSTEM_PORTS).not.toContain(port);
    const server = net.createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
});

describe('startNats', () => {
  it('runs JetStream on its own port and keeps streams across restart and kill -9', async () => {
    const nats = await startNats();
    try {
      expect(SYSTEM_PORTS).not.toContain(nats.port);
      expect(nats.url).toBe(`nats://127.0.0.1:${nats.port}`);
      expect(isAlive(nats.pid)).toBe(true);
      const info = await natsInfo(nats.port);
      expect(info.jetstream).toBe(true);
      expect(info.version).toMatch(/^2\./);

      const created = await natsRequest(nats.port, '$JS.API.STREAM.CREATE.T', { name: 'T', subjects: ['t.>'] });
      expect(created.error).toBeUndefined();

      const firstPid = nats.pid;
      await nats.restart();
      expect(isAlive(firstPid)).toBe(false);
      expect(nats.pid).not.toBe(firstPid);
      expect(nats.url).toBe(`nats://127.0.0.1:${nats.port}`);
      expect((await natsRequest(nats.port, '$JS.API.STREAM.INFO.T')).config?.name).toBe('T');

      const secondPid = nats.pid;
      await nats.kill9();
      expect(isAlive(secondPid)).toBe(false);
      await nats.restart();
      expect((await natsRequest(nats.port, '$JS.API.STREAM.INFO.T')).config?.name).toBe('T');
    } finally {
      await nats.stop();
    }
  });

  it('stops the process and removes the temp data dir it made', async () => {
    const nats = await startNats();
    const { pid, dataDir, port } = nats;
    expect(dataDir.startsWith(path.join(os.tmpdir(), 'gilt-nats-'))).toBe(true);
    await nats.stop();
    expect(isAlive(pid)).toBe(false);
    expect(fs.existsSync(dataDir)).toBe(false);
    expect(await canConnect(port)).toBe(false);
    await nats.stop(); // a second stop is harmless
    await expect(nats.restart()).rejects.toThrow(/was stopped/);
  });

  it('keeps a data dir the caller gave it, on the port the caller gave it', async () => {
    const dataDir = await fsp.mkdtemp(path.join(os.tmpdir(), 'gilt-caller-'));
    const port = await freePort();
    try {
      const nats = await startNats({ dataDir, port });
      expect(nats.port).toBe(port);
      expect(nats.dataDir).toBe(dataDir);
      await nats.stop();
      expect(fs.existsSync(path.join(dataDir, 'jetstream'))).toBe(true);
    } finally {
      await fsp.rm(dataDir, { recursive: true, force: true });
    }
  });

  it('reports a port that is taken instead of talking to its holder', async () => {
    const first = await startNats();
    try {
      await expect(startNats({ port: first.port })).rejects.toThrow(/address already in use/i);
    } finally {
      await first.stop();
    }
  });
});

describe('startRedis', () => {
  it('answers PING on its own port and keeps data across kill -9 and restart', async () => {
    const redis = await startRedis();
    try {
      expect(SYSTEM_PORTS).not.toContain(redis.port);
      expect(redis.url).toBe(`redis://127.0.0.1:${redis.port}`);
      expect(await redisCommand(redis.port, 'PING')).toBe('+PONG');
      expect(await redisCommand(redis.port, 'SET gilt-key kept')).toBe('+OK');

      const firstPid = redis.pid;
      await redis.kill9();
      expect(isAlive(firstPid)).toBe(false);
      await redis.restart();
      expect(redis.pid).not.toBe(firstPid);
      expect(await redisCommand(redis.port, 'GET gilt-key')).toBe('$4\r\nkept');

      await redis.restart();
      expect(await redisCommand(redis.port, 'GET gilt-key')).toBe('$4\r\nkept');
    } finally {
      const { dataDir, pid } = redis;
      await redis.stop();
      expect(isAlive(pid)).toBe(false);
      expect(fs.existsSync(dataDir)).toBe(false);
    }
  });

  it('gives two servers two ports', async () => {
    const [a, b] = await Promise.all([startRedis(), startRedis()]);
    try {
      expect(a.port).not.toBe(b.port);
      expect(await redisCommand(a.port, 'PING')).toBe('+PONG');
      expect(await redisCommand(b.port, 'PING')).toBe('+PONG');
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });
});

// --- raw-protocol helpers: the point is to see the servers themselves answer ---

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Sends lines, resolves with everything received once `done` says so. */
function converse(port: number, send: string, done: (received: string) => boolean): Promise<string> {
  return new Promise((resolve, reject) => {
    let received = '';
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.setTimeout(5_000, () => {
      socket.destroy();
      reject(new Error(`no complete answer on ${port}, got: ${JSON.stringify(received)}`));
    });
    socket.once('error', reject);
    socket.once('connect', () => socket.write(send));
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('utf8');
      if (done(received)) {
        socket.destroy();
        resolve(received);
      }
    });
  });
}

async function natsInfo(port: number): Promise<Record<string, unknown>> {
  const received = await converse(port, '', (text) => text.includes('\r\n'));
  return JSON.parse(received.slice('INFO '.length, received.indexOf('\r\n'))) as Record<string, unknown>;
}

/** One NATS request/reply over the text protocol; returns the JSON reply. */
async function natsRequest(
  port: number,
  subject: string,
  body?: object,
): Promise<{ error?: unknown; config?: { name?: string } }> {
  const payload = body === undefined ? '' : JSON.stringify(body);
  const send =
    'CONNECT {"verbose":false,"pedantic":false}\r\n' +
    'SUB _INBOX.servers-test 1\r\n' +
    `PUB ${subject} _INBOX.servers-test ${Buffer.byteLength(payload)}\r\n${payload}\r\n`;
  const received = await converse(port, send, (text) => /\r\nMSG [^\r]*\r\n[^\r]*\r\n/.test(text));
  const match = /\r\nMSG [^\r]*\r\n([^\r]*)\r\n/.exec(received);
  return JSON.parse(match![1]!) as { error?: unknown; config?: { name?: string } };
}

/** One inline Redis command; returns the reply without its final CRLF. */
async function redisCommand(port: number, command: string): Promise<string> {
  const received = await converse(port, `${command}\r\n`, (text) =>
    text.startsWith('$') ? text.split('\r\n').length >= 3 : text.endsWith('\r\n'),
  );
  return received.replace(/\r\n$/, '');
}
