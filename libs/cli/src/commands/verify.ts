/** `gilt verify [--file LOG.jsonl]`: walk the hash chains of the log, or of an exported copy, and name the first bad commit. */
import { stringOpt, type Command } from '../command.js';
import { apiPath } from '../http-client.js';
import { verifyLogFile, type FileReport } from '../log-file.js';
import { plural } from '../output.js';

type Report = Omit<FileReport, 'line'> & { line?: number | null };

export const verifyCommand: Command = {
  name: 'verify',
  args: '',
  minArgs: 0,
  maxArgs: 0,
  summary: 'check that no commit of the log was edited, removed or reordered (admin); exit 1 naming the first that was',
  options: {
    file: { type: 'string', value: 'FILE', help: 'check an exported log file instead, offline (no server needed)' },
    'as-of': { type: 'string', value: 'TIME', help: 'check the log only up to an RFC 3339 time or a log position' },
  },
  details: 'Every commit carries the SHA-256 of its content chained to the previous commit of its aggregate; positions must have no gaps.',
  async run(ctx) {
    const file = stringOpt(ctx.values, 'file');
    const report: Report = file
      ? await verifyLogFile(file, (n) => ctx.out.note(`verified ${n} commits…`))
      : (await ctx.client().get<Report>(apiPath('verify'), { as_of: stringOpt(ctx.values, 'as-of') })).body;
    if (ctx.out.json) ctx.out.printJson(report);
    const what = file ?? 'the log';
    if (report.ok) {
      if (!ctx.out.json) ctx.out.line(`OK: ${what}: ${plural(report.commits, 'commit')} in ${plural(report.streams, 'aggregate')}, positions 1-${report.head} without gaps, every hash chain intact`);
      return 0;
    }
    const p = report.problem!;
    ctx.out.error(`${what}: ${p.kind} at position ${p.position}${report.line ? ` (line ${report.line})` : ''}: ${p.message}; the ${plural(report.commits, 'commit')} before it are intact`);
    return 1;
  },
};
