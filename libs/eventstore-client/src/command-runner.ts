import type { CommitMeta, DomainEvent } from '@gilt/contracts';
import type { EventStore } from './event-store.js';
import { WrongExpectedRevision } from './errors.js';
import { KeyedMutex } from './keyed-mutex.js';
import type { LiveProjection } from './live-projection.js';

export interface Decision<R> {
  events: DomainEvent[];
  /** What the caller gets back; computed by the decider from the state it decided on. */
  result: R;
}

export interface CommandOutcome<R> {
  position: number;
  changed: boolean;
  duplicate: boolean;
  result: R;
}

/**
 * Decide-and-append with optimistic concurrency: decide on the projected state, append with the
 * aggregate's revision, and on a conflict (another replica wrote first) catch up and decide again.
 */
export class CommandRunner {
  private readonly mutex = new KeyedMutex();

  constructor(
    private readonly store: EventStore,
    private readonly projection: LiveProjection,
    private readonly maxAttempts = 5,
  ) {}

  /**
   * `retried` is the result to give when the command id was already written: the command is not
   * decided again (its decision may no longer hold, e.g. "already exists" for its own create).
   */
  run<R>(stream: string, meta: CommitMeta, decide: () => Decision<R>, retried: R, opts: { freshRead?: boolean } = {}): Promise<CommandOutcome<R>> {
    return this.mutex.run(stream, async () => {
      if (opts.freshRead) await this.projection.catchUp();
      const earlier = this.projection.positionOfCommand(meta.command_id);
      if (earlier !== undefined) return { position: earlier, changed: false, duplicate: true, result: retried };
      for (let attempt = 1; ; attempt++) {
        const head = this.projection.head(stream);
        const { events, result } = decide();
        if (events.length === 0) return { position: this.projection.position, changed: false, duplicate: false, result };
        try {
          const appended = await this.store.append(stream, events, { expectedRevision: head.revision, prevHash: head.hash, meta });
          await this.projection.waitFor(appended.position);
          return { position: appended.position, changed: !appended.duplicate, duplicate: appended.duplicate, result };
        } catch (err) {
          if (!(err instanceof WrongExpectedRevision) || attempt >= this.maxAttempts) throw err;
          // Jittered backoff: without it, a replica with more commands queued on this aggregate
          // wins every race (its next decision is in flight before the loser has caught up) and
          // the loser runs out of attempts.
          await new Promise((r) => setTimeout(r, Math.random() * 2 ** attempt));
          await this.projection.catchUp();
        }
      }
    });
  }
}
