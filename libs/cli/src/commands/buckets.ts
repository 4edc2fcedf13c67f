/** `gilt buckets list|get|create|update|delete`. */
import type { BucketView } from '../api-types.js';
import {
  asOfOption,
  checkBucket,
  compact,
  fetchAll,
  listOpt,
  parseLabels,
  stringOpt,
  type Command,
  type CommandGroup,
  type Context,
} from '../command.js';
import { apiPath } from '../http-client.js';
import { formatFields, formatLabels, formatTime, text } from '../output.js';

const list: Command = {
  name: 'list',
  args: '',
  minArgs: 0,
  maxArgs: 0,
  summary: 'list buckets',
  options: { 'as-of': asOfOption },
  async run(ctx) {
    const buckets = await fetchAll<BucketView>(ctx.client(), apiPath('buckets'), 'buckets', { as_of: stringOpt(ctx.values, 'as-of') });
    if (ctx.out.json) {
      ctx.out.printJson({ buckets });
      return 0;
    }
    if (buckets.length === 0) {
      ctx.out.note('no buckets');
      return 0;
    }
    ctx.out.table(
      ['NAME', 'VERSIONS', 'LATEST', 'PLATFORMS', 'DESCRIPTION'],
      buckets.map((b) => [b.name, text(b.version_count), text(b.latest_version?.name), text(b.platforms?.join(',')), text(b.description)]),
    );
    return 0;
  },
};

const get: Command = {
  name: 'get',
  args: 'NAME',
  minArgs: 1,
  maxArgs: 1,
  summary: 'show a bucket',
  options: { 'as-of': asOfOption },
  async run(ctx) {
    const name = checkBucket(ctx.args[0]!, ctx.path);
    const res = await ctx.client().get<{ bucket: BucketView }>(apiPath('buckets', name), { as_of: stringOpt(ctx.values, 'as-of') });
    if (ctx.out.json) { ctx.out.printJson(res.body); return 0; }
    const b = res.body.bucket;
    ctx.io.stdout(
      formatFields([
        ['name', b.name],
        ['description', text(b.description)],
        ['labels', formatLabels(b.labels)],
        ['versions', text(b.version_count)],
        ['latest', b.latest_version ? `${text(b.latest_version.name)} (${b.latest_version.id}) fingerprint ${b.latest_version.fingerprint}` : '-'],
        ['platforms', text(b.platforms?.join(', '))],
        ['created', formatTime(b.created_at)],
        ['updated', formatTime(b.updated_at)],
      ]),
    );
    return 0;
  },
};

const labelOptions = {
  description: { type: 'string', value: 'D', help: 'description' },
  label: { type: 'string', multiple: true, value: 'KEY=VALUE', help: 'a label (repeatable)' },
} as const;

function bucketBody(ctx: Context) {
  const pairs = listOpt(ctx.values, 'label');
  return compact({ description: stringOpt(ctx.values, 'description'), labels: pairs.length > 0 ? parseLabels(pairs, ctx.path) : undefined });
}

const create: Command = {
  name: 'create',
  args: 'NAME',
  minArgs: 1,
  maxArgs: 1,
  summary: 'create a bucket',
  options: { ...labelOptions },
  async run(ctx) {
    const name = checkBucket(ctx.args[0]!, ctx.path);
    const res = await ctx.client().post<{ bucket?: BucketView; message?: string }>(apiPath('buckets'), { name, ...bucketBody(ctx) });
    if (ctx.out.json) { ctx.out.printJson(res.body); return 0; }
    ctx.out.line(res.body?.message ?? `created bucket ${name}`);
    return 0;
  },
};

const update: Command = {
  name: 'update',
  args: 'NAME',
  minArgs: 1,
  maxArgs: 1,
  summary: "change a bucket's description or labels",
  options: { ...labelOptions },
  async run(ctx) {
    const name = checkBucket(ctx.args[0]!, ctx.path);
    const res = await ctx.client().patch<{ message?: string }>(apiPath('buckets', name), bucketBody(ctx));
    if (ctx.out.json) { ctx.out.printJson(res.body); return 0; }
    ctx.out.line(res.body?.message ?? `updated bucket ${name}`);
    return 0;
  },
};

const remove: Command = {
  name: 'delete',
  args: 'NAME',
  minArgs: 1,
  maxArgs: 1,
  summary: 'delete a bucket (admin)',
  options: {},
  async run(ctx) {
    const name = checkBucket(ctx.args[0]!, ctx.path);
    const res = await ctx.client().delete<{ message?: string }>(apiPath('buckets', name));
    if (ctx.out.json) { ctx.out.printJson(res.body); return 0; }
    ctx.out.line(res.body?.message ?? `deleted bucket ${name}`);
    return 0;
  },
};

export const bucketsGroup: CommandGroup = { name: 'buckets', summary: 'list, show, create, update and delete buckets', commands: [list, get, create, update, remove] };
