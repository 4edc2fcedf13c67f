import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { createInbox, type Subscription } from '@nats-io/transport-node';
import { Broadcasts, ErrorCodes, type RebuildProgress } from '@gilt/contracts';
import { newId, RegistryLog } from '@gilt/service-kit';
import { apiError } from '../http/api-error.js';

/** How long replicas have to say they started: NATS delivers the broadcast to all of them within milliseconds. */
const SETTLE_MS = 1000;
/** A replica that has not finished by then is reported failed. */
const DEADLINE_MS = 30 * 60_000;
const KEPT_JOBS = 20;

export interface RebuildJob {
  id: string;
  state: 'running' | 'done' | 'failed';
  started_at: string;
  finished_at: string | null;
  /** One line per replica of every service that keeps a projection, the gateway included. */
  services: RebuildProgress[];
}

interface Running {
  job: RebuildJob;
  replicas: Map<string, RebuildProgress>;
  sub: Subscription;
  settled: boolean;
  deadline: NodeJS.Timeout;
}

/**
 * `gilt admin rebuild`: broadcasts gilt.cmd.all.rebuild, then follows the progress every replica
 * reports on this job's inbox until all are done.
 */
@Injectable()
export class RebuildJobs implements OnApplicationShutdown {
  private readonly jobs = new Map<string, Running>();

  constructor(@Inject(RegistryLog) private readonly log: RegistryLog) {}

  start(): RebuildJob {
    const busy = [...this.jobs.values()].find((r) => r.job.state === 'running');
    if (busy) throw apiError(ErrorCodes.conflict, `rebuild ${busy.job.id} is still running`, { id: busy.job.id });
    const nc = this.log.store.nc;
    const inbox = createInbox();
    const run: Running = {
      job: { id: newId(), state: 'running', started_at: new Date().toISOString(), finished_at: null, services: [] },
      replicas: new Map(),
      sub: nc.subscribe(inbox, {
        callback: (err, msg) => {
          if (err) return;
          const p = msg.json<RebuildProgress>();
          run.replicas.set(`${p.service}@${p.instance}`, p);
          this.check(run);
        },
      }),
      settled: false,
      deadline: setTimeout(() => this.finish(run, 'no answer within the deadline'), DEADLINE_MS),
    };
    setTimeout(() => {
      run.settled = true;
      this.check(run);
    }, SETTLE_MS).unref();
    run.deadline.unref();
    this.jobs.set(run.job.id, run);
    for (const id of [...this.jobs.keys()].slice(0, Math.max(0, this.jobs.size - KEPT_JOBS))) this.jobs.delete(id);
    nc.publish(Broadcasts.rebuild, JSON.stringify({ job_id: run.job.id }), { reply: inbox });
    return this.view(run);
  }

  get(id: string): RebuildJob {
    const run = this.jobs.get(id);
    if (!run) throw apiError(ErrorCodes.notFound, `no rebuild ${id}`, { id });
    return this.view(run);
  }

  private view(run: Running): RebuildJob {
    run.job.services = [...run.replicas.values()].sort((a, b) => a.service.localeCompare(b.service) || a.instance.localeCompare(b.instance));
    return { ...run.job, services: run.job.services.map((s) => ({ ...s })) };
  }

  private check(run: Running): void {
    if (run.job.state !== 'running' || !run.settled) return;
    const all = [...run.replicas.values()];
    if (all.length && all.every((p) => p.state !== 'running')) this.finish(run, null);
  }

  private finish(run: Running, timeout: string | null): void {
    if (run.job.state !== 'running') return;
    for (const [key, p] of run.replicas) if (p.state === 'running') run.replicas.set(key, { ...p, state: 'failed', error: timeout });
    run.job.state = run.replicas.size > 0 && [...run.replicas.values()].every((p) => p.state === 'done') ? 'done' : 'failed';
    run.job.finished_at = new Date().toISOString();
    clearTimeout(run.deadline);
    run.sub.unsubscribe();
  }

  onApplicationShutdown() {
    for (const run of this.jobs.values()) this.finish(run, 'the gateway stopped');
  }
}
