import { connect, type NatsConnection } from '@nats-io/transport-node';
import {
  DeliverPolicy,
  DiscardPolicy,
  JetStreamApiError,
  jetstream,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
} from '@nats-io/jetstream';
import { LOG_STREAM, LOG_SUBJECT_PREFIX, type CommitMeta, type DomainEvent, type StoredCommit } from '@gilt/contracts';
import { commitHash, GENESIS_HASH } from './hash-chain.js';
import { UnsupportedServer, WrongExpectedRevision } from './errors.js';

const WRONG_LAST_SEQUENCE = 10071;
const DUPLICATE_WINDOW_NS = 2 * 60 * 1_000_000_000;
const MIN_SERVER = [2, 9, 0];

export interface AppendOptions {
  /** Revision the caller decided on: the log position of the aggregate's last commit, 0 for a new aggregate. */
  expectedRevision: number;
  /** Hash of that last commit when the caller has it (saves a read); fetched otherwise. */
  prevHash?: string;
  meta: CommitMeta;
}

export interface AppendResult {
  position: number;
  hash: string;
  /** True when this command id had been written before: nothing new was stored. */
  duplicate: boolean;
}

export interface ReadAllOptions {
  /** First position to read (inclusive), default 1. */
  from?: number;
  /** Last position to read (inclusive), default the head at the time of the call. */
  to?: number;
}

export interface Subscription {
  /** Stops delivery; resolves when the consumer is closed. */
  stop(): Promise<void>;
  /** Resolves when the handler has processed every commit up to the head as of the call. */
  caughtUp: Promise<void>;
}

export interface EventStoreOptions {
  servers: string;
  name?: string;
  /** Stream name; tests use their own. */
  streamName?: string;
  /** Copies of the log in a NATS cluster (1 on a single server, 3 on the 3-node cluster in deploy/nats). */
  replicas?: number;
}

const subjectOf = (prefix: string, stream: string) => `${prefix}.${stream}`;

/**
 * The append-only log: one JetStream stream, one subject per aggregate (`gilt.ev.<stream id>`).
 * Positions are JetStream sequences and give the global order.
 */
export class EventStore {
  private constructor(
    readonly nc: NatsConnection,
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    readonly streamName: string,
    private readonly subjectPrefix: string,
    /** Replicas for every stream Gilt creates on this server, so a cluster keeps all of them. */
    readonly replicas: number,
  ) {}

  static async connect(opts: EventStoreOptions): Promise<EventStore> {
    const nc = await connect({ servers: opts.servers, name: opts.name ?? 'gilt-eventstore', maxReconnectAttempts: -1 });
    const streamName = opts.streamName ?? LOG_STREAM;
    const prefix = streamName === LOG_STREAM ? LOG_SUBJECT_PREFIX : `${LOG_SUBJECT_PREFIX}-${streamName.toLowerCase()}`;
    let jsm: JetStreamManager;
    try {
      checkServerVersion(nc.info?.version);
      jsm = await jetstreamManager(nc);
    } catch (err) {
      await nc.close();
      throw err instanceof UnsupportedServer
        ? err
        : new UnsupportedServer(`JetStream is not enabled on ${opts.servers} (start nats-server with -js): ${(err as Error).message}`);
    }
    const store = new EventStore(nc, jetstream(nc), jsm, streamName, prefix, opts.replicas ?? 1);
    try {
      await store.ensureStream();
    } catch (err) {
      await nc.close();
      throw err;
    }
    return store;
  }

  private async ensureStream(): Promise<void> {
    const config = {
      name: this.streamName,
      subjects: [`${this.subjectPrefix}.>`],
      storage: StorageType.File,
      retention: RetentionPolicy.Limits,
      discard: DiscardPolicy.New,
      deny_delete: true,
      deny_purge: true,
      allow_direct: true,
      duplicate_window: DUPLICATE_WINDOW_NS,
      max_msgs: -1,
      max_bytes: -1,
      max_age: 0,
      num_replicas: this.replicas,
    };
    try {
      const info = await this.jsm.streams.info(this.streamName);
      if (!info.config.deny_delete || !info.config.deny_purge) {
        throw new UnsupportedServer(`stream ${this.streamName} exists but allows deletes or purges; refusing to use it as the log`);
      }
    } catch (err) {
      if (err instanceof UnsupportedServer) throw err;
      if (!(err instanceof JetStreamApiError) || err.code !== 10059) throw err;
      await this.jsm.streams.add(config);
    }
  }

  subjectFor(stream: string): string {
    if (!/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/.test(stream)) throw new Error(`invalid stream id: ${JSON.stringify(stream)}`);
    return subjectOf(this.subjectPrefix, stream);
  }

  /**
   * Appends all events of one command as one message: atomic, conditional on the aggregate's
   * revision, and written once per command id (Nats-Msg-Id) within the duplicate window.
   */
  async append(stream: string, events: DomainEvent[], opts: AppendOptions): Promise<AppendResult> {
    const subject = this.subjectFor(stream);
    let prevHash = opts.prevHash;
    if (prevHash === undefined) {
      if (opts.expectedRevision === 0) prevHash = GENESIS_HASH;
      else {
        // On a mismatch we still publish: the server answers a retried command id as a
        // duplicate before it checks the expected sequence (a retry carries the revision it was
        // decided on, which its own first write made stale), and rejects anything else.
        const last = await this.lastCommit(stream);
        prevHash = last?.hash ?? GENESIS_HASH;
      }
    }
    const body = { stream, events, meta: opts.meta };
    const hash = commitHash(prevHash, body);
    const data = JSON.stringify({ ...body, prev_hash: prevHash, hash });
    try {
      const ack = await this.js.publish(subject, data, {
        msgID: opts.meta.command_id,
        expect: { lastSubjectSequence: opts.expectedRevision },
        timeout: 10_000,
      });
      if (ack.duplicate) {
        // Nothing was written: answer with the commit that was, not the hash computed here
        // (a retry may have been decided on another revision).
        const stored = await this.jsm.streams.getMessage(this.streamName, { seq: ack.seq });
        return { position: ack.seq, hash: stored ? decode(stored.seq, stored.data).hash : hash, duplicate: true };
      }
      return { position: ack.seq, hash, duplicate: false };
    } catch (err) {
      if (err instanceof JetStreamApiError && err.code === WRONG_LAST_SEQUENCE) {
        const m = /wrong last sequence: (\d+)/.exec(err.message);
        throw new WrongExpectedRevision(stream, opts.expectedRevision, m ? Number(m[1]) : null);
      }
      throw err;
    }
  }

  /**
   * Writes a commit read from another log exactly as it was stored (body, meta, hashes), at the
   * same position: the log must be at `commit.position - 1` and the aggregate's last commit at
   * `previousRevision`, or nothing is written (WrongExpectedRevision). This is how an import
   * reproduces a log. The message id is the commit's hash rather than its command id: a hash
   * names exactly one stored commit, so a retried import write lands once, and no command id
   * reused by a client far apart in time can make JetStream drop a commit as a duplicate.
   * Calls may be pipelined: one connection delivers them in order.
   */
  async appendRaw(commit: StoredCommit, previousRevision: number): Promise<AppendResult> {
    const data = JSON.stringify({ stream: commit.stream, events: commit.events, meta: commit.meta, prev_hash: commit.prev_hash, hash: commit.hash });
    try {
      const ack = await this.js.publish(this.subjectFor(commit.stream), data, {
        msgID: commit.hash,
        expect: { lastSequence: commit.position - 1, lastSubjectSequence: previousRevision },
        timeout: 10_000,
      });
      if (ack.seq !== commit.position) throw new WrongExpectedRevision(commit.stream, previousRevision, null);
      return { position: ack.seq, hash: commit.hash, duplicate: ack.duplicate };
    } catch (err) {
      if (err instanceof JetStreamApiError && err.code === WRONG_LAST_SEQUENCE) {
        const m = /wrong last sequence: (\d+)/.exec(err.message);
        throw new WrongExpectedRevision(commit.stream, previousRevision, m ? Number(m[1]) : null);
      }
      throw err;
    }
  }

  /** The commit at one position, or null past the head. */
  async commitAt(position: number): Promise<StoredCommit | null> {
    try {
      const m = await this.jsm.streams.getMessage(this.streamName, { seq: position });
      return m ? decode(m.seq, m.data) : null;
    } catch (err) {
      if (err instanceof JetStreamApiError && err.code === 10037) return null;
      throw err;
    }
  }

  /** The last commit of one aggregate, or null when it has none. */
  async lastCommit(stream: string): Promise<StoredCommit | null> {
    try {
      const m = await this.jsm.streams.getMessage(this.streamName, { last_by_subj: this.subjectFor(stream) });
      return m ? decode(m.seq, m.data) : null;
    } catch (err) {
      if (err instanceof JetStreamApiError && err.code === 10037) return null;
      throw err;
    }
  }

  /** Position of the newest commit in the log (0 when empty). */
  async head(): Promise<number> {
    const info = await this.jsm.streams.info(this.streamName);
    return info.state.last_seq;
  }

  /** Every commit of one aggregate, oldest first. */
  async read(stream: string): Promise<StoredCommit[]> {
    const out: StoredCommit[] = [];
    const head = await this.head();
    if (head === 0) return out;
    const consumer = await this.js.consumers.get(this.streamName, {
      filter_subjects: this.subjectFor(stream),
      deliver_policy: DeliverPolicy.All,
    });
    const pending = (await consumer.info(true)).num_pending;
    if (pending === 0) {
      await consumer.delete().catch(() => undefined);
      return out;
    }
    const msgs = await consumer.consume({ max_messages: 1000 });
    for await (const m of msgs) {
      out.push(decodeMsg(m));
      if (m.info.pending === 0) break;
    }
    await msgs.close();
    return out;
  }

  /** Commits from a position up to a position, in log order. */
  async *readAll(opts: ReadAllOptions = {}): AsyncGenerator<StoredCommit> {
    const from = Math.max(1, opts.from ?? 1);
    // Never past the head: the consumer would wait for commits that may never come.
    const head = await this.head();
    const to = Math.min(opts.to ?? head, head);
    if (to < from) return;
    const consumer = await this.js.consumers.get(this.streamName, {
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: from,
    });
    const msgs = await consumer.consume({ max_messages: 1000 });
    try {
      for await (const m of msgs) {
        if (m.seq > to) break;
        yield decodeMsg(m);
        if (m.seq >= to) break;
      }
    } finally {
      await msgs.close();
    }
  }

  /**
   * Delivers every commit from `from` on, in order: first the backlog, then live ones. The handler
   * runs one commit at a time; a handler error stops the subscription (the caller restarts it from
   * its last processed position, so nothing is skipped or delivered twice).
   */
  async subscribe(from: number, handler: (c: StoredCommit) => void | Promise<void>, onError?: (err: unknown) => void): Promise<Subscription> {
    const head = await this.head();
    let resolveCaughtUp!: () => void;
    const caughtUp = new Promise<void>((r) => (resolveCaughtUp = r));
    if (head < from) resolveCaughtUp();
    const consumer = await this.js.consumers.get(this.streamName, {
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: Math.max(1, from),
    });
    const msgs = await consumer.consume({ max_messages: 1000 });
    let stopped = false;
    const done = (async () => {
      try {
        for await (const m of msgs) {
          if (stopped) break;
          // Awaiting only what is a promise: a tick per commit is measurable in a replay.
          const pending = handler(decodeMsg(m));
          if (pending) await pending;
          if (m.seq >= head) resolveCaughtUp();
        }
      } catch (err) {
        if (!stopped) onError?.(err);
      }
    })();
    return {
      caughtUp,
      stop: async () => {
        stopped = true;
        await msgs.close();
        await done;
      },
    };
  }

  async close(): Promise<void> {
    await this.nc.drain().catch(() => this.nc.close());
  }
}

function checkServerVersion(version: string | undefined): void {
  if (!version) throw new UnsupportedServer('NATS server did not report its version');
  const parts = version.split('.').map((p) => parseInt(p, 10));
  for (let i = 0; i < 3; i++) {
    if ((parts[i] ?? 0) > MIN_SERVER[i]!) return;
    if ((parts[i] ?? 0) < MIN_SERVER[i]!) {
      throw new UnsupportedServer(`nats-server ${version} is too old: Gilt needs ${MIN_SERVER.join('.')} or newer with JetStream`);
    }
  }
}

interface StoredBody {
  stream: string;
  events: DomainEvent[];
  meta: CommitMeta;
  prev_hash: string;
  hash: string;
}

/** One decoder for every message: making one per message cost more than the JSON.parse did. */
const utf8 = new TextDecoder();

export function decode(position: number, data: Uint8Array): StoredCommit {
  const b = JSON.parse(utf8.decode(data)) as StoredBody;
  return { position, stream: b.stream, events: b.events, meta: b.meta, prev_hash: b.prev_hash, hash: b.hash };
}

const decodeMsg = (m: JsMsg): StoredCommit => decode(m.seq, m.data);
