/** `gilt incident BUCKET:VERSION`: the incident report of a version, in Markdown. */
import { writeFile } from 'node:fs/promises';
import { asOfOption, stringOpt, versionRef, type Command } from '../command.js';
import { apiPath } from '../http-client.js';

export const incidentCommand: Command = {
  name: 'incident',
  args: 'BUCKET:VERSION',
  minArgs: 1,
  maxArgs: 1,
  summary: 'a Markdown report of a version: built when and from what, parents, children, channels, revocation, rollbacks',
  options: { output: { type: 'string', short: 'o', value: 'FILE', help: 'write the report to FILE' }, 'as-of': asOfOption },
  async run(ctx) {
    const { bucket, version } = versionRef(ctx.args[0]!, ctx.path);
    const res = await ctx.client().get<{ incident: { markdown: string } }>(apiPath('buckets', bucket, 'versions', version, 'incident'), { as_of: stringOpt(ctx.values, 'as-of') });
    if (ctx.out.json) {
      ctx.out.printJson(res.body);
      return 0;
    }
    const file = stringOpt(ctx.values, 'output');
    if (file) {
      await writeFile(file, res.body.incident.markdown);
      ctx.out.note(`wrote the incident report to ${file}`);
    } else ctx.io.stdout(res.body.incident.markdown);
    return 0;
  },
};
