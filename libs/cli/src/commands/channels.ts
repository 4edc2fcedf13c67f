/** `gilt channels …`: channels of a bucket, assignment, restriction, history, rollback, promotion. */
import { versionShort, type ChannelView, type HistoryEntryView } from '../api-types.js';
import {
  asOfOption,
  channelRef,
  checkBucket,
  checkChannel,
  compact,
  fetchAll,
  flag,
  positiveInt,
  requiredOpt,
  stringOpt,
  type Command,
  type CommandGroup,
  type Context,
  type OptionSpec,
} from '../command.js';
import { apiPath } from '../http-client.js';
import { formatFields, formatTable, formatTime, text } from '../output.js';

const reasonOption: OptionSpec = { type: 'string', value: 'R', help: 'why (kept in the channel history)' };

const channelPath = (bucket: string, channel: string, ...rest: string[]) => apiPath('buckets', bucket, 'channels', channel, ...rest);

interface ChannelAnswer {
  channel?: ChannelView;
  message?: string;
}

/** Prints the raw answer with --json; otherwise `line`. */
function done(ctx: Context, body: unknown, line: string): number {
  if (ctx.out.json) ctx.out.printJson(body);
  else ctx.out.line(line);
  return 0;
}

const pointsAt = (c: ChannelView | undefined, fallback: string) => (c ? (c.version ? versionShort(c.version) : '(empty)') : fallback);

const list: Command = {
  name: 'list',
  args: 'BUCKET',
  minArgs: 1,
  maxArgs: 1,
  summary: 'list the channels of a bucket',
  options: { 'as-of': asOfOption },
  async run(ctx) {
    const bucket = checkBucket(ctx.args[0]!, ctx.path);
    const channels = await fetchAll<ChannelView>(ctx.client(), apiPath('buckets', bucket, 'channels'), 'channels', { as_of: stringOpt(ctx.values, 'as-of') });
    if (ctx.out.json) {
      ctx.out.printJson({ channels });
      return 0;
    }
    if (channels.length === 0) {
      ctx.out.note(`no channels in ${bucket}`);
      return 0;
    }
    ctx.out.table(
      ['CHANNEL', 'VERSION', 'VERSION ID', 'RESTRICTED', 'UPDATED', 'BY'],
      channels.map((c) => [
        c.managed ? `${c.name} (managed)` : c.name,
        c.version ? text(c.version.name === 'v0' ? null : c.version.name) : '(empty)',
        text(c.version?.id),
        c.restricted ? 'yes' : 'no',
        formatTime(c.updated_at),
        text(c.author),
      ]),
    );
    return 0;
  },
};

const get: Command = {
  name: 'get',
  args: 'BUCKET:CHANNEL',
  minArgs: 1,
  maxArgs: 1,
  summary: 'show a channel',
  options: { 'as-of': asOfOption },
  async run(ctx) {
    const { bucket, channel } = channelRef(ctx.args[0]!, ctx.path);
    const res = await ctx.client().get<{ channel: ChannelView }>(channelPath(bucket, channel), { as_of: stringOpt(ctx.values, 'as-of') });
    if (ctx.out.json) {
      ctx.out.printJson(res.body);
      return 0;
    }
    const c = res.body.channel;
    ctx.io.stdout(
      formatFields([
        ['channel', `${c.bucket}:${c.name}`],
        ['version', c.version ? `${text(c.version.name === 'v0' ? null : c.version.name)} (${c.version.id})` : '(empty)'],
        ['fingerprint', text(c.version?.fingerprint)],
        ['status', text(c.version?.status)],
        ['restricted', c.restricted ? 'yes (only admins assign)' : 'no'],
        ['managed', c.managed ? 'yes (follows the newest complete version)' : 'no'],
        ['updated', `${formatTime(c.updated_at)} by ${text(c.author)}`],
      ]),
    );
    return 0;
  },
};

const create: Command = {
  name: 'create',
  args: 'BUCKET:CHANNEL',
  minArgs: 1,
  maxArgs: 1,
  summary: 'create a channel',
  options: {
    restricted: { type: 'boolean', help: 'only admins may assign it' },
    version: { type: 'string', value: 'V', help: 'assign version V right away (id, fingerprint or vN)' },
    reason: reasonOption,
  },
  async run(ctx) {
    const { bucket, channel } = channelRef(ctx.args[0]!, ctx.path);
    const body = { name: channel, ...compact({ restricted: flag(ctx.values, 'restricted') || undefined, version: stringOpt(ctx.values, 'version'), reason: stringOpt(ctx.values, 'reason') }) };
    const res = await ctx.client().post<ChannelAnswer>(apiPath('buckets', bucket, 'channels'), body);
    return done(ctx, res.body, res.body?.message ?? `created channel ${bucket}:${channel}`);
  },
};

const set: Command = {
  name: 'set',
  args: 'BUCKET:CHANNEL VERSION',
  minArgs: 2,
  maxArgs: 2,
  summary: 'point a channel at a version (id, fingerprint or vN)',
  options: { reason: reasonOption, create: { type: 'boolean', help: 'create the channel if it does not exist' } },
  async run(ctx) {
    const { bucket, channel } = channelRef(ctx.args[0]!, ctx.path);
    const version = ctx.args[1]!;
    const body = { version, ...compact({ reason: stringOpt(ctx.values, 'reason'), create: flag(ctx.values, 'create') || undefined }) };
    const res = await ctx.client().put<ChannelAnswer>(channelPath(bucket, channel), body);
    return done(ctx, res.body, `channel ${channel} -> ${pointsAt(res.body?.channel, version)}`);
  },
};

const unassign: Command = {
  name: 'unassign',
  args: 'BUCKET:CHANNEL',
  minArgs: 1,
  maxArgs: 1,
  summary: 'leave a channel empty',
  options: { reason: reasonOption },
  async run(ctx) {
    const { bucket, channel } = channelRef(ctx.args[0]!, ctx.path);
    const res = await ctx.client().post<ChannelAnswer>(channelPath(bucket, channel, 'unassign'), compact({ reason: stringOpt(ctx.values, 'reason') }));
    return done(ctx, res.body, `channel ${channel} is now empty`);
  },
};

function restriction(restricted: boolean): Command {
  return {
    name: restricted ? 'restrict' : 'unrestrict',
    args: 'BUCKET:CHANNEL',
    minArgs: 1,
    maxArgs: 1,
    summary: restricted ? 'let only admins assign a channel (admin)' : 'let contributors assign a channel again (admin)',
    options: { reason: reasonOption },
    async run(ctx) {
      const { bucket, channel } = channelRef(ctx.args[0]!, ctx.path);
      const res = await ctx.client().patch<ChannelAnswer>(channelPath(bucket, channel), { restricted, ...compact({ reason: stringOpt(ctx.values, 'reason') }) });
      return done(ctx, res.body, `channel ${bucket}:${channel} is ${restricted ? 'restricted' : 'no longer restricted'}`);
    },
  };
}

const remove: Command = {
  name: 'delete',
  args: 'BUCKET:CHANNEL',
  minArgs: 1,
  maxArgs: 1,
  summary: 'delete a channel (never latest)',
  options: {},
  async run(ctx) {
    const { bucket, channel } = channelRef(ctx.args[0]!, ctx.path);
    const res = await ctx.client().delete<ChannelAnswer>(channelPath(bucket, channel));
    return done(ctx, res.body, res.body?.message ?? `deleted channel ${bucket}:${channel}`);
  },
};

/** What happened, with where it came from: `assigned (promoted from dev)`. */
function describeAction(h: HistoryEntryView): string {
  const action = h.action.replace(/_/g, ' ');
  if (h.promoted_from) return `${action} (promoted from ${h.promoted_from})`;
  if (h.because_revocation_of) return `${action} (revocation of ${h.because_revocation_of})`;
  return action;
}

export function formatHistory(history: HistoryEntryView[]): string {
  return formatTable(
    ['WHEN', 'WHO', 'WHAT', 'VERSION', 'PREVIOUS', 'WHY'],
    history.map((h) => [formatTime(h.at), text(h.actor), describeAction(h), versionShort(h.version), versionShort(h.previous_version), text(h.reason)]),
  );
}

const history: Command = {
  name: 'history',
  args: 'BUCKET:CHANNEL',
  minArgs: 1,
  maxArgs: 1,
  summary: 'every change of a channel, newest first: when, who, what, why',
  options: { limit: { type: 'string', value: 'N', help: 'at most N entries (1–500)' }, 'as-of': asOfOption },
  async run(ctx) {
    const { bucket, channel } = channelRef(ctx.args[0]!, ctx.path);
    const limit = positiveInt(stringOpt(ctx.values, 'limit'), 'limit', 500, ctx.path);
    const res = await ctx.client().get<{ history: HistoryEntryView[] }>(channelPath(bucket, channel, 'history'), { page_size: limit, as_of: stringOpt(ctx.values, 'as-of') });
    if (ctx.out.json) {
      ctx.out.printJson(res.body);
      return 0;
    }
    const entries = res.body?.history ?? [];
    if (entries.length === 0) ctx.out.note(`no history for ${bucket}:${channel}`);
    else ctx.io.stdout(formatHistory(entries));
    return 0;
  },
};

const rollback: Command = {
  name: 'rollback',
  args: 'BUCKET:CHANNEL',
  minArgs: 1,
  maxArgs: 1,
  summary: 'move a channel back to its previous valid version (or --to one from its history)',
  options: { to: { type: 'string', value: 'VERSION', help: 'roll back to this version of the channel history' }, reason: reasonOption },
  async run(ctx) {
    const { bucket, channel } = channelRef(ctx.args[0]!, ctx.path);
    const body = compact({ to_version: stringOpt(ctx.values, 'to'), reason: stringOpt(ctx.values, 'reason') });
    const res = await ctx.client().post<{ channel?: ChannelView; empty?: boolean; message?: string }>(channelPath(bucket, channel, 'rollback'), body);
    const b = res.body ?? {};
    const tail = b.message ? ` (${b.message})` : '';
    const line = b.empty ? `channel ${channel} is now empty${tail}` : `channel ${channel} -> ${pointsAt(b.channel, '?')}${tail}`;
    return done(ctx, res.body, line);
  },
};

const promote: Command = {
  name: 'promote',
  args: 'BUCKET',
  minArgs: 1,
  maxArgs: 1,
  summary: "put one channel's version on another: promote B --from dev --to prod",
  options: {
    from: { type: 'string', value: 'C', help: 'channel to take the version from (required)' },
    to: { type: 'string', value: 'C', help: 'channel to assign (required)' },
    reason: reasonOption,
  },
  async run(ctx) {
    const bucket = checkBucket(ctx.args[0]!, ctx.path);
    const from = checkChannel(requiredOpt(ctx, 'from'), ctx.path);
    const to = checkChannel(requiredOpt(ctx, 'to'), ctx.path);
    const body = { from, to, ...compact({ reason: stringOpt(ctx.values, 'reason') }) };
    const res = await ctx.client().post<ChannelAnswer>(apiPath('buckets', bucket, 'channels', 'promote'), body);
    return done(ctx, res.body, `channel ${to} -> ${pointsAt(res.body?.channel, '?')} (promoted from ${from})`);
  },
};

export const channelsGroup: CommandGroup = {
  name: 'channels',
  summary: 'channels: list, assign, restrict, history, rollback, promote',
  commands: [list, get, create, set, unassign, restriction(true), restriction(false), remove, history, rollback, promote],
};
