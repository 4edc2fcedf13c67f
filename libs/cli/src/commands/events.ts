/** `gilt events tail|export|import`: the log itself, as events to read or as a file to move. */
import { createWriteStream } from 'node:fs';
import type { EventView } from '@gilt/contracts';
import { once } from 'node:events';
import { checkBucket, checkChannel, flag, positiveInt, stringOpt, type Command, type CommandGroup, type Context, type OptionSpecs } from '../command.js';
import { CliError, UsageError } from '../errors.js';
import { apiPath, type Query } from '../http-client.js';
import { readCommitLines, verifyLogFile } from '../log-file.js';
import { formatTime, oneLine } from '../output.js';

export interface EventPage {
  events: EventView[];
  pagination: { next_page_token: string | null; head: number };
}

const filterOptions: OptionSpecs = {
  bucket: { type: 'string', value: 'B', help: 'only events of bucket B' },
  channel: { type: 'string', value: 'C', help: 'only events of channel C (with --bucket)' },
  version: { type: 'string', value: 'V', help: 'only events naming version V (an id; with --bucket also vN or a fingerprint)' },
  type: { type: 'string', value: 'T', help: 'only these event types, comma separated (e.g. ChannelAssigned,VersionRevoked)' },
  actor: { type: 'string', value: 'WHO', help: 'only commits by this actor' },
  since: { type: 'string', value: 'TIME', help: 'only events at or after this RFC 3339 time' },
  until: { type: 'string', value: 'TIME', help: 'only events at or before this RFC 3339 time' },
};

function eventFilters(ctx: Context): Query {
  const bucket = stringOpt(ctx.values, 'bucket');
  const channel = stringOpt(ctx.values, 'channel');
  if (channel !== undefined && bucket === undefined) throw new UsageError('--channel needs --bucket', ctx.path);
  return {
    bucket: bucket === undefined ? undefined : checkBucket(bucket, ctx.path),
    channel: channel === undefined ? undefined : checkChannel(channel, ctx.path),
    version: stringOpt(ctx.values, 'version'),
    type: stringOpt(ctx.values, 'type'),
    actor: stringOpt(ctx.values, 'actor'),
    since: stringOpt(ctx.values, 'since'),
    until: stringOpt(ctx.values, 'until'),
  };
}

/** `2026-11-25 14:02:11Z  #123  alice  ubuntu-base: prod -> v3 (was v2)  (why)`: one line however long the log. */
export function formatEventLine(e: EventView): string {
  const why = e.reason ? `  (${e.reason})` : '';
  return oneLine(`${formatTime(e.occurred_at)}  #${e.position}  ${e.actor}  ${e.bucket ? `${e.bucket}: ` : ''}${e.summary}${why}`);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const tail: Command = {
  name: 'tail',
  args: '',
  minArgs: 0,
  maxArgs: 0,
  summary: 'print the last events of the log (matching the filters); -f keeps printing new ones',
  options: {
    ...filterOptions,
    lines: { type: 'string', short: 'n', value: 'N', help: 'how many of the last events to print first (default 20, 1–500)' },
    follow: { type: 'boolean', short: 'f', help: 'keep printing events as they are written (Ctrl-C to stop)' },
    interval: { type: 'string', value: 'MS', help: 'with -f: how often to ask for new events (default 1000)' },
  },
  details: 'With --json, prints one JSON object per event and line.',
  async run(ctx) {
    const filters = eventFilters(ctx);
    const lines = positiveInt(stringOpt(ctx.values, 'lines'), 'lines', 500, ctx.path) ?? 20;
    const interval = positiveInt(stringOpt(ctx.values, 'interval'), 'interval', 3_600_000, ctx.path) ?? 1000;
    const client = ctx.client();
    const print = (e: EventView) => ctx.io.stdout(`${ctx.out.json ? JSON.stringify(e) : formatEventLine(e)}\n`);
    const last = await client.get<EventPage>(apiPath('events'), { ...filters, order: 'desc', page_size: lines });
    for (const e of [...last.body.events].reverse()) print(e);
    if (!flag(ctx.values, 'follow')) return 0;
    // Newer commits only: a commit is written whole, so "after the last position seen" misses nothing.
    let from = last.body.pagination.head + 1;
    for (;;) {
      await sleep(interval);
      let token: string | undefined;
      do {
        const page = await client.get<EventPage>(apiPath('events'), { ...filters, order: 'asc', from_position: from, page_token: token });
        for (const e of page.body.events) print(e);
        token = page.body.pagination.next_page_token ?? undefined;
        if (!token) from = Math.max(from, page.body.pagination.head + 1);
      } while (token);
    }
  },
};

/** The position of the last whole line of an export, seen chunk by chunk. */
class LastLine {
  private partial = '';
  lines = 0;
  last = '';
  add(chunk: string): void {
    const text = this.partial + chunk;
    const end = text.lastIndexOf('\n');
    if (end < 0) {
      this.partial = text;
      return;
    }
    for (let i = text.indexOf('\n'); i >= 0 && i <= end; i = text.indexOf('\n', i + 1)) this.lines++;
    this.last = text.slice(text.lastIndexOf('\n', end - 1) + 1, end);
    this.partial = text.slice(end + 1);
  }
  position(): number {
    return this.last ? (JSON.parse(this.last) as { position: number }).position : 0;
  }
}

const exportCommand: Command = {
  name: 'export',
  args: '',
  minArgs: 0,
  maxArgs: 0,
  summary: 'write the whole log as JSON lines (--format jsonl), with positions and hashes (admin)',
  options: {
    format: { type: 'string', value: 'F', help: 'jsonl (the only format, and the default)' },
    output: { type: 'string', short: 'o', value: 'FILE', help: 'write to FILE instead of stdout' },
    'as-of': { type: 'string', value: 'TIME', help: 'only the log up to an RFC 3339 time or a log position' },
  },
  details: 'The file is what `gilt events import` reads and `gilt verify --file` checks.',
  async run(ctx) {
    const format = stringOpt(ctx.values, 'format') ?? 'jsonl';
    if (format !== 'jsonl') throw new UsageError(`--format must be jsonl, got ${JSON.stringify(format)}`, ctx.path);
    const file = stringOpt(ctx.values, 'output');
    const out = file ? createWriteStream(file) : null;
    const seen = new LastLine();
    const headers = await ctx.client().download(apiPath('events', 'export'), { as_of: stringOpt(ctx.values, 'as-of') }, async (chunk) => {
      seen.add(chunk);
      if (!out) return ctx.io.stdout(chunk);
      if (!out.write(chunk)) await once(out, 'drain');
    });
    if (out) await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
    const expected = Number(headers.get('x-gilt-export-head') ?? NaN);
    const got = seen.position();
    if (got !== expected) throw new CliError(`the export stopped at position ${got} of ${expected}: run it again`);
    ctx.out.note(`exported ${seen.lines} commits (log positions 1-${got})${file ? ` to ${file}` : ''}`);
    return 0;
  },
};

/** Import requests stay well under the gateway's 1 MiB body limit. */
const BATCH_BYTES = 768 * 1024;
const BATCH_COMMITS = 2000;

const importCommand: Command = {
  name: 'import',
  args: 'FILE',
  minArgs: 1,
  maxArgs: 1,
  summary: 'write an exported log into an empty Gilt: same positions, hashes and state (admin)',
  options: {},
  details: [
    'The file is verified first (as `gilt verify --file` does); a tampered file is refused before anything is written.',
    'The target log must be empty, or hold exactly the start of the file (an interrupted import is resumed by running it again).',
    "Services that act on events (scheduled revocations) pick imported schedules up when they next start.",
  ].join('\n'),
  async run(ctx) {
    const file = ctx.args[0]!;
    const report = await verifyLogFile(file, (n) => ctx.out.note(`verified ${n} commits…`));
    if (!report.ok) throw new CliError(`refusing to import ${file}: line ${report.line}: ${report.problem!.message} (position ${report.problem!.position})`);
    const client = ctx.client();
    let batch: unknown[] = [];
    let bytes = 0;
    const total = { imported: 0, skipped: 0, head: 0 };
    let reported = Date.now();
    const send = async () => {
      if (batch.length === 0) return;
      const res = await client.post<{ imported: number; skipped: number; head: number }>(apiPath('events', 'import'), { commits: batch });
      total.imported += res.body.imported;
      total.skipped += res.body.skipped;
      total.head = res.body.head;
      batch = [];
      bytes = 0;
      if (Date.now() - reported > 1000) {
        reported = Date.now();
        ctx.out.note(`imported up to position ${total.head} of ${report.head}…`);
      }
    };
    for await (const l of readCommitLines(file)) {
      if (bytes + l.text.length > BATCH_BYTES || batch.length === BATCH_COMMITS) await send();
      batch.push(l.commit);
      bytes += l.text.length + 1;
    }
    await send();
    const already = total.skipped ? `; ${total.skipped} were already there` : '';
    if (ctx.out.json) ctx.out.printJson(total);
    else ctx.out.line(`imported ${total.imported} commits from ${file}; the log now ends at position ${total.head}${already}`);
    return 0;
  },
};

export const eventsGroup: CommandGroup = {
  name: 'events',
  summary: 'the event log: tail (-f), export, import',
  commands: [tail, exportCommand, importCommand],
};
