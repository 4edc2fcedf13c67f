/** `gilt admin rebuild`: rebuild every projection from the log and show how fast it went. */
import type { RebuildProgress } from '@gilt/contracts';
import { flag, type Command, type CommandGroup } from '../command.js';
import { CliError } from '../errors.js';
import { apiPath } from '../http-client.js';

type Replica = Omit<RebuildProgress, 'job_id'>;

interface RebuildJob {
  id: string;
  state: 'running' | 'done' | 'failed';
  services: Replica[];
}

const POLL_MS = 500;

const progressLine = (r: Replica) =>
  `${r.service} (${r.instance}): ${r.state} ${r.commits}/${r.total} commits, ${r.events_per_second} events/s${r.error ? `: ${r.error}` : ''}`;

const rebuild: Command = {
  name: 'rebuild',
  args: '',
  minArgs: 0,
  maxArgs: 0,
  summary: 'rebuild every projection (gateway and services) from the log, with progress and events/s (admin)',
  options: { 'no-wait': { type: 'boolean', help: 'start it and return at once' } },
  details: 'Projections are in memory and rebuilt from the log at every start too; this does it without a restart, swapping each one in when it has caught up.',
  async run(ctx) {
    const client = ctx.client();
    let job = (await client.post<{ rebuild: RebuildJob }>(apiPath('admin', 'rebuild'))).body.rebuild;
    ctx.out.note(`rebuild ${job.id} started`);
    if (flag(ctx.values, 'no-wait')) {
      if (ctx.out.json) ctx.out.printJson({ rebuild: job });
      return 0;
    }
    const shown = new Map<string, string>();
    while (job.state === 'running') {
      await new Promise((r) => setTimeout(r, POLL_MS));
      job = (await client.get<{ rebuild: RebuildJob }>(apiPath('admin', 'rebuild', job.id))).body.rebuild;
      for (const r of job.services) {
        const key = `${r.service}@${r.instance}`;
        const line = progressLine(r);
        if (shown.get(key) !== line) ctx.out.note(line);
        shown.set(key, line);
      }
    }
    if (ctx.out.json) ctx.out.printJson({ rebuild: job });
    else {
      ctx.out.table(
        ['SERVICE', 'INSTANCE', 'STATE', 'COMMITS', 'EVENTS', 'SECONDS', 'EVENTS/S'],
        job.services.map((r) => [r.service, r.instance, r.state, String(r.commits), String(r.events), r.seconds.toFixed(2), String(r.events_per_second)]),
      );
    }
    if (job.state !== 'done') throw new CliError(`rebuild ${job.id} ${job.state}: ${job.services.filter((r) => r.state !== 'done').map(progressLine).join('; ') || 'no service answered'}`);
    return 0;
  },
};

export const adminGroup: CommandGroup = { name: 'admin', summary: 'administration: rebuild the projections', commands: [rebuild] };
