import { Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { NotifierController } from './notifier.controller.js';
import { notifierConfig } from './notifier-config.js';
import { Notifier } from './notifier.js';

@Module({
  controllers: [NotifierController],
  providers: [{ provide: Notifier, useFactory: () => Notifier.start(notifierConfig()) }],
})
export class NotifierModule implements OnApplicationShutdown {
  constructor(@Inject(Notifier) private readonly notifier: Notifier) {}
  async onApplicationShutdown() {
    await this.notifier.close();
  }
}
