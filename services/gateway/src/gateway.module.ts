import { Inject, Logger, Module, type OnApplicationShutdown } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ClientProxyFactory, Transport } from '@nestjs/microservices';
import { Redis } from 'ioredis';
import { PublicStream } from '@gilt/eventstore-client';
import { RegistryLog } from '@gilt/service-kit';
import { AuthGuard } from './auth/auth.guard.js';
import { TokenStore } from './auth/token-store.js';
import { AncestryController } from './ancestry.controller.js';
import { BucketsController } from './buckets.controller.js';
import { ChannelsController } from './channels.controller.js';
import { CommandBus, NATS_CLIENT } from './command-bus.js';
import { EventsStreamController } from './events-stream.controller.js';
import { gatewayConfig, type GatewayConfig } from './gateway-config.js';
import { HealthController, REDIS } from './health.controller.js';
import { EventsController } from './history/events.controller.js';
import { IncidentController } from './history/incident.controller.js';
import { LogImporter } from './history/log-import.js';
import { LogTransferController } from './history/log-transfer.controller.js';
import { RebuildJobs } from './history/rebuild-jobs.js';
import { RebuildController } from './history/rebuild.controller.js';
import { VerifyController } from './history/verify.controller.js';
import { OpenApiController } from './openapi.controller.js';
import { PublishController } from './publish.controller.js';
import { ReadAccess } from './read-access.js';
import { ResolveService } from './resolve.service.js';
import { RevocationsController } from './revocations.controller.js';
import { SchemasController } from './schemas.controller.js';
import { SearchController } from './search.controller.js';
import { VersionsController } from './versions.controller.js';
import { WebhooksController } from './webhooks.controller.js';

export const GATEWAY_CONFIG = 'GATEWAY_CONFIG';

@Module({
  controllers: [
    HealthController,
    OpenApiController,
    BucketsController,
    VersionsController,
    PublishController,
    SearchController,
    ChannelsController,
    RevocationsController,
    AncestryController,
    WebhooksController,
    EventsStreamController,
    SchemasController,
    EventsController,
    LogTransferController,
    VerifyController,
    RebuildController,
    IncidentController,
  ],
  providers: [
    { provide: GATEWAY_CONFIG, useFactory: () => gatewayConfig() },
    { provide: RegistryLog, inject: [GATEWAY_CONFIG], useFactory: (c: GatewayConfig) => RegistryLog.open(c, 'gateway', { history: true }) },
    { provide: PublicStream, inject: [RegistryLog], useFactory: (log: RegistryLog) => PublicStream.open(log.store.nc, log.store.replicas) },
    { provide: TokenStore, inject: [GATEWAY_CONFIG], useFactory: (c: GatewayConfig) => new TokenStore(c.tokensFile) },
    {
      provide: NATS_CLIENT,
      inject: [GATEWAY_CONFIG],
      useFactory: (c: GatewayConfig) => ClientProxyFactory.create({ transport: Transport.NATS, options: { servers: c.natsUrl, name: 'gilt-gateway-rpc', maxReconnectAttempts: -1 } }),
    },
    {
      provide: REDIS,
      inject: [GATEWAY_CONFIG],
      useFactory: (c: GatewayConfig) => {
        const redis = new Redis(c.redisUrl || 'redis://127.0.0.1:6379', { lazyConnect: false, enableOfflineQueue: false, commandTimeout: 2000, maxRetriesPerRequest: 1 });
        // /healthz reports Redis being down; one line per outage is enough for the log.
        let down = false;
        redis.on('error', (err: Error) => {
          if (!down) new Logger('redis').warn(`Redis unreachable: ${err.message}`);
          down = true;
        });
        redis.on('ready', () => (down = false));
        return redis;
      },
    },
    { provide: APP_GUARD, useClass: AuthGuard },
    CommandBus,
    ReadAccess,
    ResolveService,
    LogImporter,
    RebuildJobs,
  ],
})
export class GatewayModule implements OnApplicationShutdown {
  constructor(
    @Inject(RegistryLog) private readonly log: RegistryLog,
    @Inject(TokenStore) private readonly tokens: TokenStore,
    @Inject(REDIS) private readonly redis: Redis,
  ) {}

  async onApplicationShutdown() {
    this.tokens.close();
    this.redis.disconnect();
    await this.log.close();
  }
}
