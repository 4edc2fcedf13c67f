import { Logger } from '@nestjs/common';
import { DelayedError, Queue, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { revocationStream, type CommitMeta, type RevocationResultData } from '@gilt/contracts';
import { decideRevocation, planRevocation, versionLabel as label, type RevocationState, type VersionState } from '@gilt/domain';
import type { RegistryLog } from '@gilt/service-kit';
import { Cascade, followUpMeta, type RevokeRequest } from './cascade.js';

const QUEUE = 'gilt-revocations';
/** Jobs are rebuilt from the log this often too, so a Redis flush or restart heals without a service restart. */
const SYNC_INTERVAL_MS = 30_000;
/** A delayed job may fire a little early; earlier than this it is put back. */
const EARLY_TOLERANCE_MS = 250;

/** Deterministic: one job per version, found again after a restart (BullMQ ids may not contain ':'). */
export const jobId = (versionId: string) => `revoke-${versionId}`;

interface DueRevocation {
  bucket: string;
  version_id: string;
  revoke_at: string;
}

/**
 * Scheduled revocations: the log holds them (RevocationScheduled); Redis only holds BullMQ
 * delayed jobs that say when to act, rebuilt from the log at start and every SYNC_INTERVAL_MS.
 * Nothing is lost when Redis is flushed: a job that is missing is added again, and one whose
 * time passed meanwhile runs at once. Reads never wait for the job: the read model counts a
 * passed revoke_at as revoked.
 */
export class ScheduledRevocations {
  private readonly logger = new Logger('schedules');
  private readonly connections: Redis[] = [];
  private queue!: Queue<DueRevocation>;
  private worker!: Worker<DueRevocation>;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly log: RegistryLog,
    private readonly cascade: Cascade,
    private readonly redisUrl: string,
  ) {}

  private connection(worker: boolean): Redis {
    // The worker's blocking commands need ioredis to retry forever; the queue's calls, made while
    // answering a command, should fail fast instead when Redis is away (the next sync adds the job).
    const c = new Redis(this.redisUrl, { maxRetriesPerRequest: worker ? null : 1 });
    c.on('error', (err) => this.logger.warn(`redis: ${err.message}`));
    this.connections.push(c);
    return c;
  }

  open(): void {
    const queueConnection = this.connection(false);
    // Redis back after an outage (maybe empty): make it agree with the log now, not at the next tick.
    queueConnection.on('ready', () => {
      if (this.timer) void this.sync().catch((err) => this.logger.error(`sync failed: ${(err as Error).message}`));
    });
    this.queue = new Queue<DueRevocation>(QUEUE, { connection: queueConnection });
    this.worker = new Worker<DueRevocation>(QUEUE, (job, token) => this.fire(job, token), { connection: this.connection(true), concurrency: 4 });
    this.worker.on('failed', (job, err) => this.logger.error(`job ${job?.id} failed (attempt ${job?.attemptsMade}): ${err.message}`));
  }

  /** Rebuilds the jobs from the log now, then keeps doing so. */
  async start(): Promise<void> {
    await this.sync();
    this.timer = setInterval(() => void this.sync().catch((err) => this.logger.error(`sync failed: ${(err as Error).message}`)), SYNC_INTERVAL_MS);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.worker?.close();
    await this.queue?.close();
    for (const c of this.connections) c.disconnect();
  }

  /** Schedules (or moves) a revocation of `root` and the same date, inherited, on its descendants. */
  async schedule(root: VersionState, revokeAt: string, req: RevokeRequest, meta: CommitMeta): Promise<{ position: number; changed: boolean; message: string; data: RevocationResultData }> {
    const { model, runner } = this.log;
    const outcome = await runner.run(
      revocationStream(root.id),
      meta,
      () => {
        const d = decideRevocation(
          { type: 'ScheduleRevocation', bucket: root.bucket, version_id: root.id, revoke_at: revokeAt, revocation_type: 'MANUAL', inherited_from: null, ...req },
          model.revocations.get(root.id),
          Date.now(),
        );
        return { events: d.events, result: d.message };
      },
      'already applied (retried request)',
    );
    const state = model.revocations.get(root.id)!;
    const origin = { correlation_id: meta.correlation_id, causation_id: meta.command_id };
    let position = outcome.position;
    if (state.skip_descendants) {
      position = Math.max(position, await this.cascade.cancelInherited(root.id, `${label(root)} is now scheduled without its descendants`, `sc${state.changed_position}`, state.author, origin));
    } else {
      position = Math.max(position, (await this.cascade.scheduleDescendants(state, origin)).position);
    }
    // The log holds the schedule now; a job that cannot be written is added by the next sync.
    await this.upsertJob(state).catch((err) => this.logger.warn(`job for ${label(root)} not written yet (${(err as Error).message}); the next sync adds it`));
    const n = planRevocation(model, root, req).affected.length - 1;
    return {
      position,
      changed: outcome.changed,
      message: outcome.duplicate ? 'already applied (retried request)' : `${outcome.result}: ${label(root)}${n ? ` and ${n} descendant${n === 1 ? '' : 's'}` : ''}`,
      data: { version_id: root.id, status: 'REVOCATION_SCHEDULED', revoke_at: state.revoke_at ?? revokeAt, cascade: { total: n, pending: 0 } },
    };
  }

  /** Cancels a scheduled revocation and what its descendants inherited from it. */
  async cancel(root: VersionState, reason: string | null, meta: CommitMeta): Promise<{ position: number; changed: boolean; message: string }> {
    const outcome = await this.cascade.decide(root.id, meta, { type: 'CancelRevocation', bucket: root.bucket, version_id: root.id, reason });
    const inherited = await this.cascade.cancelInherited(root.id, reason ?? `cancelled with ${label(root)}`, meta.command_id, meta.actor, {
      correlation_id: meta.correlation_id,
      causation_id: meta.command_id,
    });
    await this.forget(root.id);
    return { position: Math.max(outcome.position, inherited), changed: outcome.changed, message: outcome.duplicate ? 'already applied (retried request)' : `${outcome.result}: ${label(root)}` };
  }

  /** Drops a version's job (revoked now, cancelled, restored). The log decides anyway: a job left behind finds nothing to do. */
  async forget(versionId: string): Promise<void> {
    try {
      await (await this.queue.getJob(jobId(versionId)))?.remove();
    } catch (err) {
      this.logger.warn(`could not remove job ${jobId(versionId)}: ${(err as Error).message}`);
    }
  }

  private async upsertJob(s: RevocationState): Promise<void> {
    const id = jobId(s.version_id);
    const at = Date.parse(s.revoke_at!);
    const existing = await this.queue.getJob(id);
    if (existing?.data.revoke_at === s.revoke_at && (await existing.isDelayed())) return;
    // Re-adding an existing id is a silent no-op in BullMQ: remove first (an active job is locked
    // and stays; it reads the log when it runs and puts itself back if it is early).
    await existing?.remove().catch(() => undefined);
    await this.queue.add(
      'revoke',
      { bucket: s.bucket, version_id: s.version_id, revoke_at: s.revoke_at! },
      { jobId: id, delay: Math.max(0, at - Date.now()), removeOnComplete: true, removeOnFail: 100, attempts: 5, backoff: { type: 'exponential', delay: 1000 } },
    );
  }

  /** The job came due: the log says whether (and when) to revoke, not the job. */
  private async fire(job: Job<DueRevocation>, token?: string): Promise<string> {
    await this.log.projection.catchUp();
    const s = this.log.model.revocations.get(job.data.version_id);
    if (!s || s.status !== 'scheduled' || s.revocation_type !== 'MANUAL') return 'nothing scheduled any more';
    const at = Date.parse(s.revoke_at!);
    if (at > Date.now() + EARLY_TOLERANCE_MS) {
      await job.moveToDelayed(at, token);
      throw new DelayedError();
    }
    return this.revokeDue(s);
  }

  /** Performs a scheduled revocation whose time has come: the same flow as revoking now, in the scheduler's name. */
  private async revokeDue(s: RevocationState): Promise<string> {
    const v = this.log.model.versions.get(s.version_id);
    if (!v) return 'version deleted';
    const id = `due-${s.version_id}-${Date.parse(s.revoke_at!)}`;
    const r = await this.cascade.revokeNow(
      v,
      { reason: s.reason ?? '', skip_descendants: s.skip_descendants, disable_rollback: s.disable_rollback },
      followUpMeta(id, s.author, { correlation_id: id, causation_id: null }),
      Infinity,
    );
    this.logger.log(`scheduled revocation took effect: ${r.message}`);
    return r.message;
  }

  /** Makes Redis agree with the log: a job for every scheduled root, the due ones run now, stale jobs gone. */
  async sync(): Promise<void> {
    await this.log.projection.catchUp();
    const roots = [...this.log.model.revocations.values()].filter((s) => s.status === 'scheduled' && s.revocation_type === 'MANUAL');
    let due = 0;
    for (const s of roots) {
      if (Date.parse(s.revoke_at!) <= Date.now()) {
        due++;
        await this.revokeDue(s).catch((err) => this.logger.error(`scheduled revocation of ${s.bucket}:${s.version_id} failed: ${(err as Error).message}`));
      } else await this.upsertJob(s);
    }
    const wanted = new Set(roots.map((s) => jobId(s.version_id)));
    let stale = 0;
    for (const job of await this.queue.getDelayed()) {
      if (job.id && !wanted.has(job.id)) {
        stale++;
        await job.remove().catch(() => undefined);
      }
    }
    if (due || stale) this.logger.log(`schedules synced from the log: ${roots.length - due} pending, ${due} overdue run now, ${stale} stale jobs removed`);
  }
}
