/** `gilt ancestry BUCKET:VERSION`: a version's parents and children across buckets, as a tree. */
import { MAX_ANCESTRY_DEPTH, type AncestryAnswer, type AncestryRelative } from '@gilt/contracts';
import { versionShort } from '../api-types.js';
import { asOfOption, positiveInt, stringOpt, versionRef, type Command } from '../command.js';
import { UsageError } from '../errors.js';
import { apiPath } from '../http-client.js';
import { oneLine } from '../output.js';

const DIRECTIONS = ['parents', 'children', 'both'];

export const ancestryCommand: Command = {
  name: 'ancestry',
  args: 'BUCKET:VERSION',
  minArgs: 1,
  maxArgs: 1,
  summary: 'show the parents and children of a version across buckets, and whether they are up to date',
  options: {
    direction: { type: 'string', value: 'D', help: 'parents, children or both (default both)' },
    depth: { type: 'string', value: 'N', help: `generations to show, 1–${MAX_ANCESTRY_DEPTH} (default 1: direct relatives)` },
    'as-of': asOfOption,
  },
  details: [
    'Every relative shows how the child on that edge stands against its parent:',
    "  UP_TO_DATE    the parent's channel (bucket:channel given at publish, else latest) still serves the parent",
    '  OUT_OF_DATE   that channel serves another version now: the child needs a rebuild',
    '  UNDETERMINED  that channel is gone or empty, or the parent never completed',
  ].join('\n'),
  async run(ctx) {
    const { bucket, version } = versionRef(ctx.args[0]!, ctx.path);
    const direction = stringOpt(ctx.values, 'direction');
    if (direction !== undefined && !DIRECTIONS.includes(direction)) {
      throw new UsageError(`--direction must be one of ${DIRECTIONS.join(', ')}, got ${JSON.stringify(direction)}`, ctx.path);
    }
    const depth = positiveInt(stringOpt(ctx.values, 'depth'), 'depth', MAX_ANCESTRY_DEPTH, ctx.path);
    const res = await ctx.client().get<AncestryAnswer>(apiPath('buckets', bucket, 'versions', version, 'ancestry'), { direction, depth: depth?.toString(), as_of: stringOpt(ctx.values, 'as-of') });
    if (ctx.out.json) ctx.out.printJson(res.body);
    else ctx.io.stdout(formatAncestry(res.body));
    return 0;
  },
};

/** The answer as a tree: the version, then a branch per direction asked for, each relative under the one it was reached from. */
export function formatAncestry(a: AncestryAnswer): string {
  const lines = [`${a.version.bucket} ${versionShort(a.version)} (${a.version.id}) ${a.version.status}`];
  const sections = ([['parents', a.parents], ['children', a.children]] as const).filter(([, list]) => list !== undefined);
  sections.forEach(([label, list], i) => {
    const last = i === sections.length - 1;
    lines.push(`${last ? '└── ' : '├── '}${label}:${list!.length === 0 ? ' (none)' : ''}`);
    const byVia = new Map<string, AncestryRelative[]>();
    for (const r of list!) byVia.set(r.via, [...(byVia.get(r.via) ?? []), r]);
    lines.push(...branch(byVia, a.version.id, last ? '    ' : '│   '));
  });
  return lines.map((l) => `${l}\n`).join('');
}

/** The walk reaches every version once, from a version listed before it: following `via` cannot loop. */
function branch(byVia: Map<string, AncestryRelative[]>, from: string, prefix: string): string[] {
  const below = byVia.get(from) ?? [];
  return below.flatMap((r, i) => {
    const last = i === below.length - 1;
    return [`${prefix}${last ? '└── ' : '├── '}${describe(r)}`, ...branch(byVia, r.version.id, `${prefix}${last ? '    ' : '│   '}`)];
  });
}

function describe(r: AncestryRelative): string {
  const parts = [`${r.bucket} ${versionShort(r.version)}`, r.status];
  const judgedBy = r.channel ? `channel ${r.channel.bucket}:${r.channel.channel}` : 'latest';
  if (r.channel) parts.push(`via ${judgedBy}`);
  if (r.status === 'OUT_OF_DATE' && r.channel_version) parts.push(`(${judgedBy} now serves ${versionShort(r.channel_version)})`);
  if (r.version.status !== 'ACTIVE') parts.push(`[${r.version.status}]`);
  return oneLine(parts.join('  '));
}
