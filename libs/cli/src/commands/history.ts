/** `gilt history BUCKET[:CHANNEL]`: a readable timeline of what happened, oldest first. */
import type { HistoryEntryView } from '../api-types.js';
import { versionShort } from '../api-types.js';
import { asOfOption, checkBucket, checkChannel, positiveInt, stringOpt, type Command } from '../command.js';
import { UsageError } from '../errors.js';
import { apiPath } from '../http-client.js';
import { formatTable, formatTime, text } from '../output.js';
import type { EventPage } from './events.js';

const MANAGED_CHANNEL = 'latest';

export const historyCommand: Command = {
  name: 'history',
  args: 'BUCKET[:CHANNEL]',
  minArgs: 1,
  maxArgs: 1,
  summary: 'what happened to a bucket or a channel: when, who, what, why (oldest first)',
  options: {
    limit: { type: 'string', value: 'N', help: 'the last N entries (default 100, 1–500)' },
    since: { type: 'string', value: 'TIME', help: 'only from this RFC 3339 time on' },
    'as-of': asOfOption,
  },
  details: '`latest` is moved by Gilt itself rather than by events, so BUCKET:latest shows its channel history.',
  async run(ctx) {
    const ref = ctx.args[0]!;
    const colon = ref.indexOf(':');
    const bucket = checkBucket(colon < 0 ? ref : ref.slice(0, colon), ctx.path);
    const channel = colon < 0 ? undefined : checkChannel(ref.slice(colon + 1), ctx.path);
    const limit = positiveInt(stringOpt(ctx.values, 'limit'), 'limit', 500, ctx.path) ?? 100;
    const asOf = stringOpt(ctx.values, 'as-of');
    const since = stringOpt(ctx.values, 'since');
    if (since !== undefined && !Number.isFinite(Date.parse(since))) throw new UsageError(`--since must be an RFC 3339 time, got ${JSON.stringify(since)}`, ctx.path);
    let rows: string[][];
    if (channel === MANAGED_CHANNEL) {
      const res = await ctx.client().get<{ history: HistoryEntryView[] }>(apiPath('buckets', bucket, 'channels', channel, 'history'), { page_size: limit, as_of: asOf });
      if (ctx.out.json) {
        ctx.out.printJson(res.body);
        return 0;
      }
      rows = res.body.history
        .filter((h) => !since || Date.parse(h.at) >= Date.parse(since))
        .reverse()
        .map((h) => [formatTime(h.at), text(h.actor), `latest -> ${versionShort(h.version)} (was ${versionShort(h.previous_version)})`, text(h.reason)]);
    } else {
      // Newest first to take the last `limit`, then printed oldest first.
      const res = await ctx.client().get<EventPage>(apiPath('events'), { bucket, channel, since, as_of: asOf, order: 'desc', page_size: limit });
      if (ctx.out.json) {
        ctx.out.printJson(res.body);
        return 0;
      }
      rows = [...res.body.events].reverse().map((e) => [formatTime(e.occurred_at), e.actor, e.summary, text(e.reason)]);
    }
    if (rows.length === 0) ctx.out.note(`nothing happened to ${ctx.args[0]}${since ? ` since ${since}` : ''}`);
    else ctx.io.stdout(formatTable(['WHEN', 'WHO', 'WHAT', 'WHY'], rows));
    return 0;
  },
};
