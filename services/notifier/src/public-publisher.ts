import { Logger } from '@nestjs/common';
import { comparePublicEventIds, parsePublicEventId, type CloudEvent } from '@gilt/contracts';
import { PublicStream, PublicStreamMoved } from '@gilt/eventstore-client';

type EventId = { position: number; index: number };
const RETRY_MAX_MS = 5000;

/**
 * Publishes public events to GILT_PUBLIC exactly once, in log order.
 *
 * No cursor is kept anywhere: the stream's last message says how far publication got (its id
 * is `<log position>-<index>`), so after a crash (even kill -9 between the server storing a
 * message and us hearing of it) the next start resumes right after it. Every publish expects
 * the stream's last sequence to be the one we know, so a second notifier racing this one
 * makes the loser re-read where the stream stands and skip what the winner wrote: no
 * duplicates, even beyond JetStream's duplicate window, and no lock.
 */
export class PublicPublisher {
  private readonly outbox: CloudEvent[] = [];
  private wake: (() => void) | null = null;
  private stopped = false;
  private loop: Promise<void> | null = null;
  private readonly logger = new Logger('public-stream');

  private constructor(
    private readonly stream: PublicStream,
    /** Last sequence of GILT_PUBLIC and the id of the event there, as this publisher knows them. */
    private head: { seq: number; id: EventId | null },
    private readonly onPublished: (e: CloudEvent) => void,
  ) {}

  /**
   * `logHead` is only used when the stream has lost every message to its limits (an operator's
   * max_age): there is no telling how far publication got, and publishing the whole log again
   * would flood every subscriber, so publication goes on from the log's head.
   */
  static async open(stream: PublicStream, logHead: number, onPublished: (e: CloudEvent) => void): Promise<PublicPublisher> {
    const head = await stream.head();
    const logger = new Logger('public-stream');
    if (head.emptied) {
      logger.warn(`GILT_PUBLIC holds no message any more (limits?); publishing from log position ${logHead + 1} on`);
      return new PublicPublisher(stream, { seq: head.seq, id: { position: logHead, index: Number.MAX_SAFE_INTEGER } }, onPublished);
    }
    logger.log(head.id ? `resuming after public event ${head.id.position}-${head.id.index}` : 'publishing from the start of the log');
    return new PublicPublisher(stream, { seq: head.seq, id: head.id }, onPublished);
  }

  /** Whether an event (by id) is in GILT_PUBLIC already. */
  isPublished(id: string): boolean {
    const p = parsePublicEventId(id);
    return p !== null && this.head.id !== null && comparePublicEventIds(p, this.head.id) <= 0;
  }

  /** Takes a commit's events; those already published (before a restart) are dropped. */
  offer(events: CloudEvent[]): void {
    for (const e of events) if (!this.isPublished(e.id)) this.outbox.push(e);
    if (this.outbox.length) this.wake?.();
  }

  get backlog(): number {
    return this.outbox.length;
  }

  get lastPublished(): string | null {
    return this.head.id ? `${this.head.id.position}-${this.head.id.index}` : null;
  }

  start(): void {
    this.loop = this.run();
  }

  private async run(): Promise<void> {
    let delay = 100;
    while (!this.stopped) {
      const e = this.outbox[0];
      if (!e) {
        await new Promise<void>((r) => (this.wake = r));
        this.wake = null;
        continue;
      }
      try {
        if (!this.isPublished(e.id)) {
          const ack = await this.stream.publish(e, this.head.seq);
          // A duplicate id means another publisher stored it: learn where the stream stands.
          this.head = ack.duplicate ? await this.stream.head() : { seq: ack.seq, id: parsePublicEventId(e.id) };
        }
        this.outbox.shift();
        this.onPublished(e);
        delay = 100;
      } catch (err) {
        if (err instanceof PublicStreamMoved) {
          this.head = await this.stream.head().catch(() => this.head);
          continue;
        }
        // NATS away (restarting): keep the event and try again; nothing after it goes first.
        this.logger.warn(`publishing ${e.id} failed (${(err as Error).message}); retrying in ${delay} ms`);
        await new Promise((r) => setTimeout(r, delay));
        delay = Math.min(delay * 2, RETRY_MAX_MS);
      }
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.loop;
  }
}
