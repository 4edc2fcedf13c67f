import { Logger } from '@nestjs/common';
import type { Subscription } from '@nats-io/transport-node';
import { DomainError, ErrorCodes, type StoredCommit } from '@gilt/contracts';
import { CommitClock, RegistryReadModel } from '@gilt/domain';
import { CommandRunner, EventStore, LiveProjection } from '@gilt/eventstore-client';
import { CommitHistory } from './commit-history.js';
import type { ServiceConfig } from './config.js';
import { listenForRebuild } from './rebuild-listener.js';

export interface RegistryLogOptions {
  /** Keep every commit in memory, for as-of reads and the events API (the gateway). Costs about as much memory as the model. */
  history?: boolean;
}

/** How a rebuild went, or is going. */
export interface RebuildStats {
  commits: number;
  total: number;
  events: number;
  seconds: number;
  events_per_second: number;
}

const PROGRESS_EVERY_MS = 250;

/**
 * What every service holds: a connection to the log, the registry read model kept current by
 * following it, and a command runner that decides on that state and appends.
 */
export class RegistryLog {
  /** Replaced (never patched) by a rebuild: read `log.model` when needed instead of keeping it. */
  model: RegistryReadModel;
  readonly projection: LiveProjection;
  readonly runner: CommandRunner;
  readonly history: CommitHistory | null;
  private readonly clock = new CommitClock();
  /** While a rebuild runs: commits applied live since it started, for the new model to catch up on. */
  private arrivedDuringRebuild: StoredCommit[] | null = null;
  private rebuildListener: Subscription | null = null;

  private constructor(
    readonly store: EventStore,
    readonly service: string,
    opts: RegistryLogOptions,
    logger: Logger,
  ) {
    this.model = new RegistryReadModel(this.clock.now);
    this.history = opts.history ? new CommitHistory() : null;
    this.projection = new LiveProjection(store, (c) => this.onCommit(c), (m) => logger.log(m));
    this.runner = new CommandRunner(store, this.projection);
  }

  static async open(config: ServiceConfig, serviceName: string, opts: RegistryLogOptions = {}): Promise<RegistryLog> {
    const logger = new Logger(serviceName);
    const store = await EventStore.connect({ servers: config.natsUrl, name: `gilt-${serviceName}`, streamName: config.logStream, replicas: config.replicas });
    const log = new RegistryLog(store, serviceName, opts, logger);
    await log.projection.start();
    log.rebuildListener = listenForRebuild(log, logger);
    return log;
  }

  private onCommit(c: StoredCommit): void {
    this.history?.record(c);
    this.clock.apply(this.model, c);
    this.arrivedDuringRebuild?.push(c);
  }

  /**
   * Rebuilds the read model from the log into a fresh one, then swaps it in. Reads keep being
   * answered from the old model meanwhile, and commits that arrive during the rebuild are applied
   * to both, so the swap loses nothing.
   */
  async rebuild(onProgress: (s: RebuildStats) => void = () => undefined): Promise<RebuildStats> {
    if (this.arrivedDuringRebuild) throw new DomainError(ErrorCodes.conflict, `${this.service} is already rebuilding its projection`, { service: this.service });
    const total = this.projection.position;
    this.arrivedDuringRebuild = [];
    try {
      const fresh = new RegistryReadModel(this.clock.now);
      const started = performance.now();
      let reported = started;
      let events = 0;
      const stats = (): RebuildStats => {
        const seconds = (performance.now() - started) / 1000;
        return { commits: fresh.position, total, events, seconds, events_per_second: Math.round(events / Math.max(seconds, 1e-3)) };
      };
      for await (const c of this.store.readAll({ to: total })) {
        this.clock.apply(fresh, c);
        events += c.events.length;
        if (performance.now() - reported >= PROGRESS_EVERY_MS) {
          reported = performance.now();
          onProgress(stats());
        }
      }
      const done = stats();
      for (const c of this.arrivedDuringRebuild) if (c.position > fresh.position) this.clock.apply(fresh, c);
      this.model = fresh;
      return done;
    } finally {
      this.arrivedDuringRebuild = null;
    }
  }

  async close(): Promise<void> {
    this.rebuildListener?.unsubscribe();
    await this.projection.stop();
    await this.store.close();
  }
}
