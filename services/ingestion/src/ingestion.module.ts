import { Module, type OnApplicationShutdown } from '@nestjs/common';
import { RegistryLog, serviceConfig } from '@gilt/service-kit';
import { IngestionController } from './ingestion.controller.js';

@Module({
  controllers: [IngestionController],
  providers: [{ provide: RegistryLog, useFactory: () => RegistryLog.open(serviceConfig(), 'ingestion') }],
})
export class IngestionModule implements OnApplicationShutdown {
  constructor(private readonly log: RegistryLog) {}
  async onApplicationShutdown() {
    await this.log.close();
  }
}
