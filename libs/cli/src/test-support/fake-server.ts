/** Test helpers (not part of the build): a local HTTP server that records requests, and captured CLI output. */
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CliIo } from '../output.js';

export interface Recorded {
  method: string;
  url: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  text: string;
  json: unknown;
}

export type Reply = { status: number; body?: unknown; headers?: Record<string, string>; delayMs?: number } | 'destroy';

export interface FakeServer {
  url: string;
  requests: Recorded[];
  close(): Promise<void>;
}

/** Answers each request with `handler(request, index)`; every request is recorded first. */
export async function startServer(handler: (req: Recorded, index: number) => Reply = () => ({ status: 200, body: {} })): Promise<FakeServer> {
  const requests: Recorded[] = [];
  const server = createServer((req, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let json: unknown = undefined;
      try {
        json = text === '' ? undefined : JSON.parse(text);
      } catch {
        json = undefined;
      }
      const u = new URL(req.url ?? '/', 'http://localhost');
      const rec: Recorded = { method: req.method ?? '', url: req.url ?? '', path: u.pathname, query: u.searchParams, headers: req.headers, text, json };
      requests.push(rec);
      const reply = handler(rec, requests.length - 1);
      if (reply === 'destroy') {
        req.socket.destroy();
        return;
      }
      const send = () => {
        if (res.destroyed) return;
        res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
        res.end(reply.body === undefined ? '' : JSON.stringify(reply.body));
      };
      if (reply.delayMs) setTimeout(send, reply.delayMs);
      else send();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A port nothing listens on (bound, then released). */
export async function deadPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

export interface Captured extends CliIo {
  out: string;
  err: string;
}

export function captureIo(extra: Partial<CliIo> = {}): Captured {
  const io: Captured = {
    out: '',
    err: '',
    stdout: (t) => void (io.out += t),
    stderr: (t) => void (io.err += t),
    retryDelayMs: 5,
    ...extra,
  };
  return io;
}

export const apiError = (status: number, code: string, message: string, details: Record<string, unknown> = {}): Reply => ({
  status,
  body: { code, message, details },
});
