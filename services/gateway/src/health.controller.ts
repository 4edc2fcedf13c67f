import { Controller, Get, Inject, Res } from '@nestjs/common';
import { Redis } from 'ioredis';
import { RegistryLog } from '@gilt/service-kit';
import { Public } from './auth/auth.guard.js';

export const REDIS = 'REDIS';

interface StatusReply {
  status(code: number): unknown;
}

@Controller()
export class HealthController {
  constructor(
    @Inject(RegistryLog) private readonly log: RegistryLog,
    @Inject(REDIS) private readonly redis: Redis,
  ) {}

  /** Healthy only when the log (NATS JetStream) and Redis both answer. */
  @Get('healthz')
  @Public()
  async health(@Res({ passthrough: true }) reply: StatusReply) {
    const [nats, redis] = await Promise.all([
      this.log.store
        .head()
        .then((head) => ({ ok: true, head, projected: this.log.projection.position }))
        .catch((e: Error) => ({ ok: false, error: e.message })),
      this.redis
        .ping()
        .then((r) => ({ ok: r === 'PONG' }))
        .catch((e: Error) => ({ ok: false, error: e.message })),
    ]);
    const ok = nats.ok && redis.ok;
    reply.status(ok ? 200 : 503);
    return { ok, nats, redis };
  }
}
