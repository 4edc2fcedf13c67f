import type { NatsConnection } from '@nats-io/transport-node';
import { headers as natsHeaders } from '@nats-io/transport-node';
import {
  DeliverPolicy,
  DiscardPolicy,
  JetStreamApiError,
  jetstream,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
  type ConsumerMessages,
  type JetStreamClient,
  type JetStreamManager,
} from '@nats-io/jetstream';
import {
  comparePublicEventIds,
  parsePublicEventId,
  PUBLIC_STREAM,
  PUBLIC_SUBJECT_PREFIX,
  publicSubjectOf,
  type CloudEvent,
} from '@gilt/contracts';

const DUPLICATE_WINDOW_NS = 2 * 60 * 1_000_000_000;
const WRONG_LAST_SEQUENCE = 10071;
const NO_MESSAGE = 10037;
const STREAM_NOT_FOUND = 10059;

type EventId = { position: number; index: number };

/** The publish lost a race: someone else (another notifier) appended to the stream first. */
export class PublicStreamMoved extends Error {
  constructor() {
    super('the public stream moved on since it was last read');
    this.name = 'PublicStreamMoved';
  }
}

/**
 * GILT_PUBLIC: the CloudEvents the notifier derives from the log, in log order. Because the
 * order is the log's, the last message tells how far publication got (its id carries the log
 * position), and any id can be found by binary search over the stream sequence.
 */
export class PublicStream {
  private constructor(
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
  ) {}

  /** Creates the stream on first use. An existing stream is left as it is: an operator may have tuned its limits. */
  static async open(nc: NatsConnection, replicas = 1): Promise<PublicStream> {
    const jsm = await jetstreamManager(nc);
    try {
      await jsm.streams.info(PUBLIC_STREAM);
    } catch (err) {
      if (!(err instanceof JetStreamApiError) || err.code !== STREAM_NOT_FOUND) throw err;
      await jsm.streams
        .add({
          name: PUBLIC_STREAM,
          subjects: [`${PUBLIC_SUBJECT_PREFIX}.>`],
          storage: StorageType.File,
          retention: RetentionPolicy.Limits,
          discard: DiscardPolicy.Old,
          duplicate_window: DUPLICATE_WINDOW_NS,
          allow_direct: true,
          num_replicas: replicas,
        })
        .catch((e: unknown) => {
          // Two services creating it at once: the loser finds it there, which is all it wanted.
          if (!(e instanceof JetStreamApiError) || !/already in use/i.test(e.message)) throw e;
        });
    }
    return new PublicStream(jetstream(nc), jsm);
  }

  private async state(): Promise<{ first: number; last: number; messages: number }> {
    const s = (await this.jsm.streams.info(PUBLIC_STREAM)).state;
    return { first: s.first_seq, last: s.last_seq, messages: s.messages };
  }

  /** The event stored at a stream sequence; null when there is none (never was, or aged out). */
  async at(seq: number): Promise<CloudEvent | null> {
    return (await this.raw(seq))?.event ?? null;
  }

  private async raw(seq: number): Promise<{ event: CloudEvent; body: string } | null> {
    try {
      const m = await this.jsm.streams.getMessage(PUBLIC_STREAM, { seq });
      if (!m) return null;
      const body = m.string();
      return { event: JSON.parse(body) as CloudEvent, body };
    } catch (err) {
      if (err instanceof JetStreamApiError && err.code === NO_MESSAGE) return null;
      throw err;
    }
  }

  /**
   * Where publication stands: the stream's last sequence and the id of the event there.
   * `id` is null for a stream never written, or emptied by its limits (see `emptied`).
   */
  async head(): Promise<{ seq: number; id: EventId | null; emptied: boolean }> {
    const s = await this.state();
    if (s.last === 0) return { seq: 0, id: null, emptied: false };
    const last = await this.at(s.last);
    const id = last ? parsePublicEventId(last.id) : null;
    return { seq: s.last, id, emptied: id === null };
  }

  /**
   * Appends one event, conditional on the stream's last sequence being `expectedLastSeq`
   * (so two notifiers never interleave) and deduplicated on its id within the window.
   */
  async publish(event: CloudEvent, expectedLastSeq: number): Promise<{ seq: number; duplicate: boolean }> {
    const h = natsHeaders();
    h.set('Content-Type', 'application/cloudevents+json');
    try {
      const ack = await this.js.publish(publicSubjectOf(event), JSON.stringify(event), {
        msgID: event.id,
        expect: { lastSequence: expectedLastSeq },
        headers: h,
        timeout: 10_000,
      });
      return { seq: ack.seq, duplicate: ack.duplicate };
    } catch (err) {
      if (err instanceof JetStreamApiError && err.code === WRONG_LAST_SEQUENCE) throw new PublicStreamMoved();
      throw err;
    }
  }

  /** The first sequence holding an event after `id` (last + 1 when there is none yet): binary search, ids grow with sequence. */
  async seqAfter(id: EventId): Promise<number> {
    return this.firstSeq((e) => comparePublicEventIds(e, id) > 0);
  }

  /** The event with this id, if the stream still holds it, with its stored bytes (what webhooks sign and send). */
  async find(id: string): Promise<{ event: CloudEvent; body: string } | null> {
    const wanted = parsePublicEventId(id);
    if (!wanted) return null;
    const seq = await this.firstSeq((e) => comparePublicEventIds(e, wanted) >= 0);
    const found = await this.raw(seq);
    return found?.event.id === id ? found : null;
  }

  private async firstSeq(pred: (id: EventId) => boolean): Promise<number> {
    const s = await this.state();
    if (s.messages === 0) return s.last + 1;
    let lo = s.first;
    let hi = s.last + 1;
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      const e = await this.at(mid);
      const id = e ? parsePublicEventId(e.id) : null;
      // Only the front of the stream ages out, so a missing message sorts before every id.
      if (id && pred(id)) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  /** Ordered, ephemeral read from a sequence on (or only new events), through one subject filter. */
  async read(opts: { fromSeq: number | null; filter: string }): Promise<ConsumerMessages> {
    const consumer = await this.js.consumers.get(PUBLIC_STREAM, {
      filter_subjects: opts.filter,
      ...(opts.fromSeq === null ? { deliver_policy: DeliverPolicy.New } : { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: opts.fromSeq }),
    });
    return consumer.consume();
  }
}
