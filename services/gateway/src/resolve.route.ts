import type { FastifyInstance } from 'fastify';
import { authenticate } from './auth/auth.guard.js';
import type { TokenStore } from './auth/token-store.js';
import { toErrorResponse } from './http/error.filter.js';
import type { ResolveService } from './resolve.service.js';

export const RESOLVE_PATH = '/v1/buckets/:bucket/channels/:channel/artifact';

/**
 * Resolve is served by a plain fastify route, not a Nest controller: every deploy calls it, and
 * Nest's per-request machinery (guards, pipes, interceptors) cost about half its throughput.
 * Auth and errors are the same functions the controllers use.
 */
export function registerResolveRoute(fastify: FastifyInstance, resolver: ResolveService, tokens: TokenStore): void {
  fastify.get<{ Params: { bucket: string; channel: string }; Querystring: Record<string, string | undefined> }>(RESOLVE_PATH, (req, reply) => {
    try {
      const principal = authenticate(tokens, req.headers.authorization, 'viewer');
      const r = resolver.resolve(req.params.bucket, req.params.channel, req.query, principal);
      void reply.header('etag', r.etag).header('cache-control', 'no-cache');
      if (req.headers['if-none-match'] === r.etag) return reply.status(304).send();
      return reply.status(200).header('content-type', 'application/json; charset=utf-8').send(r.body);
    } catch (err) {
      const { status, body } = toErrorResponse(err);
      return reply.status(status).send(body);
    }
  });
}
