import { Module, type OnApplicationShutdown } from '@nestjs/common';
import { RegistryLog, serviceConfig } from '@gilt/service-kit';
import { ChannelsController } from './channels.controller.js';

@Module({
  controllers: [ChannelsController],
  providers: [{ provide: RegistryLog, useFactory: () => RegistryLog.open(serviceConfig(), 'channels') }],
})
export class ChannelsModule implements OnApplicationShutdown {
  constructor(private readonly log: RegistryLog) {}
  async onApplicationShutdown() {
    await this.log.close();
  }
}
