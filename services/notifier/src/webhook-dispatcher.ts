import { Logger } from '@nestjs/common';
import { Queue, Worker, type Job } from 'bullmq';
import { EVENT_SCHEMA_VERSION, webhookStream, type WebhookDeliveryAttempted } from '@gilt/contracts';
import type { CommandRunner, LiveProjection, PublicStream } from '@gilt/eventstore-client';
import type { NotifierConfig } from './notifier-config.js';
import type { SecretBox } from './secret-box.js';
import type { Delivery, WebhookRegistry } from './webhook-registry.js';
import { sendWebhook, type AttemptOutcome } from './webhook-sender.js';

const WEBHOOK_QUEUE = 'gilt-webhooks';
const CONCURRENCY = 8;

interface DeliveryJob {
  webhook_id: string;
  delivery_id: string;
}

/** BullMQ job ids may not contain ':'; delivery ids are `<position>-<index>[-r<n>]` and webhook ids ULIDs. */
const jobId = (d: Pick<Delivery, 'webhook_id' | 'id'>) => `wh-${d.webhook_id}-${d.id}`;

/**
 * Sends webhook deliveries through BullMQ, with exponential backoff between attempts, and records
 * every attempt in the log. The log, not Redis, decides: a delivery is made only while the
 * registry (projected from the log) has it pending, its attempt number is the count of recorded
 * attempts plus one, and it stops at a success or at the configured number of attempts. So a
 * wiped Redis loses nothing (pending deliveries are queued again at start, with deterministic
 * job ids that make queuing twice harmless), and a restart does not deliver twice what the log
 * shows as done. A crash between a receiver's 2xx and the record can repeat that one delivery:
 * receivers deduplicate on X-Gilt-Event-Id (at-least-once, as every webhook system).
 */
export class WebhookDispatcher {
  private readonly queue: Queue<DeliveryJob>;
  private worker: Worker<DeliveryJob> | null = null;
  private live = false;
  private readonly logger = new Logger('webhooks');

  constructor(
    private readonly config: NotifierConfig,
    private readonly registry: WebhookRegistry,
    private readonly stream: PublicStream,
    private readonly secrets: SecretBox,
    private readonly runner: CommandRunner,
    private readonly projection: LiveProjection,
    private readonly isPublished: (eventId: string) => boolean,
  ) {
    this.queue = new Queue<DeliveryJob>(WEBHOOK_QUEUE, { connection: { url: config.redisUrl } });
  }

  /** After the replay: queue every delivery the log shows as pending, then start working. */
  async start(): Promise<void> {
    this.live = true;
    const pending = this.registry.allPending().filter((d) => this.isPublished(d.event_id));
    for (const d of pending) await this.enqueue(d);
    if (pending.length) this.logger.log(`${pending.length} pending deliveries queued from the log`);
    this.worker = new Worker<DeliveryJob>(WEBHOOK_QUEUE, (job) => this.process(job), {
      connection: { url: this.config.redisUrl, maxRetriesPerRequest: null },
      concurrency: CONCURRENCY,
    });
    this.worker.on('error', (err) => this.logger.warn(`worker: ${err.message}`));
  }

  /** New deliveries (a live event matched, or a redelivery was asked for): queued once their event is public. */
  consider(deliveries: Delivery[]): void {
    if (!this.live) return;
    for (const d of deliveries) if (this.isPublished(d.event_id)) this.enqueueSoon(d);
  }

  /** An event just reached GILT_PUBLIC: its pending deliveries can go. */
  published(eventId: string): void {
    if (!this.live) return;
    for (const d of this.registry.pendingFor(eventId)) this.enqueueSoon(d);
  }

  private enqueueSoon(d: Delivery): void {
    // Redis away: the delivery stays pending in the log and is queued again at the next start.
    this.enqueue(d).catch((err: Error) => this.logger.warn(`queuing delivery ${d.id} of webhook ${d.webhook_id} failed: ${err.message}`));
  }

  private async enqueue(d: Delivery): Promise<void> {
    const last = d.attempts[d.attempts.length - 1];
    // A delivery queued again after a restart keeps its backoff: wait out what is left of it.
    const delay = last ? Math.max(0, Date.parse(last.at) + this.backoffAfter(d.attempts.length) - Date.now()) : 0;
    await this.queue.add(
      'deliver',
      { webhook_id: d.webhook_id, delivery_id: d.id },
      {
        jobId: jobId(d),
        delay,
        // The log's attempt count decides when to stop; BullMQ's limit only backs it up, with
        // room for tries whose record could not be written (NATS away).
        attempts: 2 * this.config.webhookAttempts,
        backoff: { type: 'exponential', delay: this.config.webhookBackoffMs },
        removeOnComplete: true,
        removeOnFail: true,
      },
    );
  }

  private backoffAfter(attempts: number): number {
    return this.config.webhookBackoffMs * 2 ** Math.max(0, attempts - 1);
  }

  private async process(job: Job<DeliveryJob>): Promise<void> {
    // Decide on the log as it is now: with several notifiers, the one running this job may not
    // have applied the commit that created the delivery, or the attempt another one recorded.
    await this.projection.catchUp();
    const d = this.registry.delivery(job.data.webhook_id, job.data.delivery_id);
    const w = this.registry.webhook(job.data.webhook_id);
    // Done already (the log says so), or the webhook was deleted: nothing to send.
    if (!d || !w || d.final) return;
    const attempt = d.attempts.length + 1;
    const stored = await this.stream.find(d.event_id);
    let outcome: AttemptOutcome;
    if (!stored) outcome = { ok: false, status_code: null, duration_ms: 0, error: `event ${d.event_id} is no longer in GILT_PUBLIC` };
    else {
      outcome = await sendWebhook({
        url: w.url,
        body: stored.body,
        secret: this.secrets.unseal(w.secret),
        eventId: d.event_id,
        eventType: stored.event.type,
        deliveryId: d.id,
        webhookId: w.id,
        attempt,
        timeoutMs: this.config.webhookTimeoutMs,
      });
    }
    const final = outcome.ok || !stored || attempt >= this.config.webhookAttempts;
    await this.record(d, attempt, outcome, final);
    if (!final) throw new Error(`attempt ${attempt} of delivery ${d.id} failed: ${outcome.error}`);
  }

  private async record(d: Delivery, attempt: number, o: AttemptOutcome, final: boolean): Promise<void> {
    const event: WebhookDeliveryAttempted = {
      type: 'WebhookDeliveryAttempted',
      webhook_id: d.webhook_id,
      delivery_id: d.id,
      event_id: d.event_id,
      attempt,
      at: new Date().toISOString(),
      status_code: o.status_code,
      duration_ms: o.duration_ms,
      error: o.error,
      ok: o.ok,
      final,
    };
    const commandId = `${jobId(d)}-a${attempt}`;
    await this.runner.run(
      webhookStream(d.webhook_id),
      { command_id: commandId, actor: 'gilt-notifier', occurred_at: event.at, correlation_id: d.id, causation_id: null, schema_version: EVENT_SCHEMA_VERSION },
      () => ({ events: [event], result: null }),
      null,
    );
  }

  async stop(): Promise<void> {
    await this.worker?.close();
    await this.queue.close();
  }
}
