import type { StoredCommit } from '@gilt/contracts';
import type { EventStore, Subscription } from './event-store.js';

const MAX_REMEMBERED_COMMANDS = 500_000;
const REPLAY_REPORT_EVERY = 100_000;

const rate = (n: number, seconds: number) => Math.round(n / Math.max(seconds, 1e-3));

export interface StreamHead {
  revision: number;
  hash: string;
}

/**
 * Keeps an in-memory projection up to date with the log: a replay at start, then live commits.
 * Also tracks every aggregate's revision and last hash, so command handlers never read the
 * log to decide (reading one aggregate back costs ~1 ms per event; this costs nothing).
 */
export class LiveProjection {
  position = 0;
  readonly heads = new Map<string, StreamHead>();
  /** Recent command ids and where they landed: a retried command is answered, not decided again. */
  private commands = new Map<string, number>();
  /**
   * The generation before `commands`: lookups check both, and a full `commands` replaces it
   * whole. Evicting one id at a time from the front of a Map instead made every eviction slower
   * (V8 leaves holes there that iteration skips): past 500k commits, replay crawled.
   */
  private olderCommands = new Map<string, number>();
  private waiters: { position: number; resolve: () => void }[] = [];
  private subscription: Subscription | null = null;
  private failed: unknown = null;
  /** Progress of the start-up replay, while it runs. */
  private replay: { head: number; started: number; events: number; nextReport: number } | null = null;

  constructor(
    private readonly store: EventStore,
    private readonly apply: (commit: StoredCommit) => void,
    private readonly log: (msg: string) => void = () => undefined,
  ) {}

  /**
   * Replays the log and follows it; resolves once the replay reached the head as of the call.
   * Projections live in memory only, so this replay is also what rebuilds them when their code
   * (and so their schema) changes: every start is a rebuild. It logs its progress and speed.
   */
  async start(): Promise<void> {
    const head = await this.store.head();
    const started = performance.now();
    this.replay = { head, started, events: 0, nextReport: REPLAY_REPORT_EVERY };
    await this.follow();
    await this.subscription!.caughtUp;
    const seconds = (performance.now() - started) / 1000;
    this.log(`replayed ${this.position} commits (${this.replay.events} events) in ${seconds.toFixed(1)} s: ${rate(this.replay.events, seconds)} events/s`);
    this.replay = null;
  }

  private async follow(): Promise<void> {
    this.subscription = await this.store.subscribe(
      this.position + 1,
      (c) => this.onCommit(c),
      (err) => {
        // Resume from the last applied position: no gap, no double.
        this.log(`log subscription failed (${(err as Error).message}); resuming from ${this.position + 1}`);
        setTimeout(() => void this.follow().catch((e) => (this.failed = e)), 500);
      },
    );
  }

  private onCommit(c: StoredCommit): void {
    if (c.position <= this.position) return;
    this.apply(c);
    this.heads.set(c.stream, { revision: c.position, hash: c.hash });
    this.commands.set(c.meta.command_id, c.position);
    if (this.commands.size >= MAX_REMEMBERED_COMMANDS / 2) {
      this.olderCommands = this.commands;
      this.commands = new Map();
    }
    this.position = c.position;
    if (this.replay) this.reportReplay(c);
    if (this.waiters.length) {
      const ready = this.waiters.filter((w) => w.position <= this.position);
      this.waiters = this.waiters.filter((w) => w.position > this.position);
      for (const w of ready) w.resolve();
    }
  }

  private reportReplay(c: StoredCommit): void {
    const r = this.replay!;
    r.events += c.events.length;
    if (c.position < r.nextReport) return;
    r.nextReport += REPLAY_REPORT_EVERY;
    const seconds = (performance.now() - r.started) / 1000;
    this.log(`replaying the log: ${c.position} of ${r.head} commits, ${rate(r.events, seconds)} events/s`);
  }

  /** Position of the commit a command id produced, if it is one of the recent ones. */
  positionOfCommand(commandId: string): number | undefined {
    return this.commands.get(commandId) ?? this.olderCommands.get(commandId);
  }

  head(stream: string): StreamHead {
    return this.heads.get(stream) ?? { revision: 0, hash: '' };
  }

  /** Resolves when every commit up to `position` has been applied. */
  waitFor(position: number, timeoutMs = 10_000): Promise<void> {
    if (this.failed) return Promise.reject(this.failed);
    if (position <= this.position) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`projection did not reach log position ${position} within ${timeoutMs} ms (at ${this.position})`));
      }, timeoutMs);
      const waiter = {
        position,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      this.waiters.push(waiter);
    });
  }

  /** Waits until everything in the log right now is applied: for decisions that read other aggregates. */
  async catchUp(): Promise<void> {
    await this.waitFor(await this.store.head());
  }

  async stop(): Promise<void> {
    await this.subscription?.stop();
    this.subscription = null;
  }
}
