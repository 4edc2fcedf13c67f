import { hostname } from 'node:os';
import type { Logger } from '@nestjs/common';
import type { Subscription } from '@nats-io/transport-node';
import { Broadcasts, type RebuildProgress, type RebuildRequest } from '@gilt/contracts';
import type { RegistryLog } from './registry-log.js';

const INSTANCE = `${hostname()}:${process.pid}`;

/**
 * Answers `gilt admin rebuild` (the gilt.cmd.all.rebuild broadcast) in every replica of every
 * service: rebuild the projection, telling the asker how it goes on its reply subject.
 */
export function listenForRebuild(log: RegistryLog, logger: Logger): Subscription {
  const nc = log.store.nc;
  return nc.subscribe(Broadcasts.rebuild, {
    callback: (err, msg) => {
      if (err || !msg.reply) return;
      const reply = msg.reply;
      let jobId = '';
      try {
        jobId = String(msg.json<RebuildRequest>().job_id ?? '');
      } catch {
        // An unreadable request still gets its rebuild; the report just carries no job id.
      }
      const send = (p: Pick<RebuildProgress, 'state'> & Partial<RebuildProgress>) =>
        nc.publish(reply, JSON.stringify({ job_id: jobId, service: log.service, instance: INSTANCE, commits: 0, total: 0, events: 0, seconds: 0, events_per_second: 0, error: null, ...p } satisfies RebuildProgress));
      send({ state: 'running' });
      logger.log(`rebuilding the projection from the log (job ${jobId})`);
      log
        .rebuild((s) => send({ state: 'running', ...s }))
        .then((s) => {
          logger.log(`rebuilt the projection: ${s.commits} commits (${s.events} events) in ${s.seconds.toFixed(1)} s, ${s.events_per_second} events/s`);
          send({ state: 'done', ...s });
        })
        .catch((e: unknown) => {
          logger.error(`rebuild failed: ${(e as Error).message}`);
          send({ state: 'failed', error: (e as Error).message });
        });
    },
  });
}
