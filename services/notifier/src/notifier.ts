import { Logger } from '@nestjs/common';
import { RegistryReadModel, toPublicEvents } from '@gilt/domain';
import { CommandRunner, EventStore, LiveProjection, PublicStream } from '@gilt/eventstore-client';
import type { NotifierConfig } from './notifier-config.js';
import { PublicPublisher } from './public-publisher.js';
import { SecretBox } from './secret-box.js';
import { WebhookDispatcher } from './webhook-dispatcher.js';
import { WebhookRegistry } from './webhook-registry.js';

/**
 * The notifier follows the log and, for every commit, derives its public events (a pure
 * function of the commit and the registry as of it), publishes them to GILT_PUBLIC and hands
 * them to the webhooks whose filters take them.
 */
export class Notifier {
  private constructor(
    private readonly store: EventStore,
    readonly projection: LiveProjection,
    readonly runner: CommandRunner,
    readonly registry: WebhookRegistry,
    readonly secrets: SecretBox,
    readonly publisher: PublicPublisher,
    private readonly dispatcher: WebhookDispatcher,
  ) {}

  static async start(config: NotifierConfig): Promise<Notifier> {
    const logger = new Logger('notifier');
    const store = await EventStore.connect({ servers: config.natsUrl, name: 'gilt-notifier', streamName: config.logStream, replicas: config.replicas });
    const stream = await PublicStream.open(store.nc, store.replicas);
    const secrets = await SecretBox.open(store.nc, config.webhookKey, store.replicas);
    // The model reads time as of the commit being applied, not the wall clock: a replay next
    // year must derive the same events (and so the same ids) as the live run did.
    let commitTime = 0;
    const model = new RegistryReadModel(() => commitTime);
    const registry = new WebhookRegistry();
    let dispatcher: WebhookDispatcher | null = null;
    const publisher = await PublicPublisher.open(stream, await store.head(), (e) => dispatcher?.published(e.id));
    const projection = new LiveProjection(
      store,
      (c) => {
        commitTime = Date.parse(c.meta.occurred_at);
        model.apply(c);
        const events = toPublicEvents(c, model, config.eventSource);
        const created = registry.apply(c, events);
        publisher.offer(events);
        dispatcher?.consider(created);
      },
      (m) => logger.log(m),
    );
    const runner = new CommandRunner(store, projection);
    dispatcher = new WebhookDispatcher(config, registry, stream, secrets, runner, projection, (id) => publisher.isPublished(id));
    await projection.start();
    publisher.start();
    await dispatcher.start();
    return new Notifier(store, projection, runner, registry, secrets, publisher, dispatcher);
  }

  async close(): Promise<void> {
    await this.dispatcher.stop();
    await this.publisher.stop();
    await this.projection.stop();
    await this.store.close();
  }
}
