import { Module, type OnApplicationShutdown } from '@nestjs/common';
import { RegistryLog, serviceConfig } from '@gilt/service-kit';
import { AncestryController } from './ancestry.controller.js';

@Module({
  controllers: [AncestryController],
  providers: [{ provide: RegistryLog, useFactory: () => RegistryLog.open(serviceConfig(), 'ancestry') }],
})
export class AncestryModule implements OnApplicationShutdown {
  constructor(private readonly log: RegistryLog) {}
  async onApplicationShutdown() {
    await this.log.close();
  }
}
