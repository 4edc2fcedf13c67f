import { Logger } from '@nestjs/common';
import { RegistryReadModel } from '@gilt/domain';
import { CommandRunner, EventStore, LiveProjection } from '@gilt/eventstore-client';
import type { ServiceConfig } from './config.js';

/**
 * What every service holds: a connection to the log, the registry read model kept current by
 * following it, and a command runner that decides on that state and appends.
 */
export class RegistryLog {
  private constructor(
    readonly store: EventStore,
    readonly model: RegistryReadModel,
    readonly projection: LiveProjection,
    readonly runner: CommandRunner,
  ) {}

  static async open(config: ServiceConfig, serviceName: string): Promise<RegistryLog> {
    const logger = new Logger(serviceName);
    const store = await EventStore.connect({ servers: config.natsUrl, name: `gilt-${serviceName}`, streamName: config.logStream });
    const model = new RegistryReadModel();
    const projection = new LiveProjection(store, (c) => model.apply(c), (m) => logger.log(m));
    await projection.start();
    return new RegistryLog(store, model, projection, new CommandRunner(store, projection));
  }

  async close(): Promise<void> {
    await this.projection.stop();
    await this.store.close();
  }
}
