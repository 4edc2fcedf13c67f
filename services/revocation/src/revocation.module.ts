import { Inject, Logger, Module, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { RegistryLog, serviceConfig } from '@gilt/service-kit';
import { Cascade } from './cascade.js';
import { reconcileOnStart } from './reconcile-on-start.js';
import { Restorer } from './restore.js';
import { RevocationController } from './revocation.controller.js';
import { ScheduledRevocations } from './scheduled-revocations.js';

@Module({
  controllers: [RevocationController],
  providers: [
    { provide: RegistryLog, useFactory: () => RegistryLog.open(serviceConfig(), 'revocation') },
    { provide: Cascade, inject: [RegistryLog], useFactory: (log: RegistryLog) => new Cascade(log) },
    {
      provide: ScheduledRevocations,
      inject: [RegistryLog, Cascade],
      useFactory: (log: RegistryLog, cascade: Cascade) => new ScheduledRevocations(log, cascade, serviceConfig().redisUrl || 'redis://127.0.0.1:6379'),
    },
    {
      provide: Restorer,
      inject: [RegistryLog, Cascade, ScheduledRevocations],
      useFactory: (log: RegistryLog, cascade: Cascade, schedules: ScheduledRevocations) => new Restorer(log, cascade, schedules),
    },
  ],
})
export class RevocationModule implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('revocation');

  constructor(
    @Inject(RegistryLog) private readonly log: RegistryLog,
    @Inject(Cascade) private readonly cascade: Cascade,
    @Inject(ScheduledRevocations) private readonly schedules: ScheduledRevocations,
  ) {}

  /**
   * Commands are served at once; finishing interrupted cascades and rebuilding the scheduled jobs
   * run beside them (both are idempotent, so overlapping with a new command is harmless).
   */
  onApplicationBootstrap() {
    this.schedules.open();
    void (async () => {
      await reconcileOnStart(this.log, this.cascade);
      await this.schedules.start();
    })().catch((err) => this.logger.error(`start-up reconciliation failed: ${(err as Error).message}`));
  }

  async onApplicationShutdown() {
    await this.schedules.stop();
    await this.log.close();
  }
}
