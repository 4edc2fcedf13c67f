/** `gilt revoke`, `gilt revoke cancel`, `gilt restore`: revocation of versions and their descendants. */
import { compact, flag, stringOpt, versionRef, type Command, type Context, type OptionSpec } from '../command.js';
import { UsageError } from '../errors.js';
import { apiPath } from '../http-client.js';
import { formatTime, plural } from '../output.js';

interface Ref {
  id: string;
  bucket: string;
  name: string | null;
  fingerprint?: string | null;
}

interface RevokeAnswer {
  revocation: { version: Ref; status: string; revoke_at: string | null; reason: string | null };
  affected_versions: (Ref & { depth: number; type: string; via: string | null })[];
  channel_rollbacks: { bucket: string; channel: string; managed: boolean; from: Ref | null; to: Ref | null; empty: boolean }[];
  channels_not_rolled_back: { bucket: string; channel: string; version: Ref | null }[];
  cascade: { total: number; pending: number; status_url: string };
  dry_run: boolean;
  message: string;
}

interface RestoreAnswer {
  version: Ref & { status: string };
  restored: Ref[];
  rolled_back_channels: { bucket: string; channel: string; rolled_back_from: Ref | null; now: Ref | null }[];
  message: string;
}

const reasonOption: OptionSpec = { type: 'string', value: 'R', help: 'why (kept with the revocation; required to revoke)' };

const short = (r: Ref | null | undefined) => (r ? (r.name && r.name !== 'v0' ? r.name : r.id) : '(empty)');
const full = (r: Ref) => `${r.bucket}:${short(r)}`;

/** Affected versions as a tree: each under the version it was reached from (diamonds appear once). */
function versionTree(versions: RevokeAnswer['affected_versions']): string[] {
  const children = new Map<string | null, RevokeAnswer['affected_versions']>();
  for (const v of versions) children.set(v.via, [...(children.get(v.via) ?? []), v]);
  const lines: string[] = [];
  const visit = (v: RevokeAnswer['affected_versions'][number], depth: number) => {
    lines.push(`  ${depth ? `${'   '.repeat(depth - 1)}└─ ` : ''}${full(v)}  ${v.type}`);
    for (const c of children.get(v.id) ?? []) visit(c, depth + 1);
  };
  for (const root of children.get(null) ?? []) visit(root, 0);
  return lines;
}

export function formatRevocation(a: RevokeAnswer): string {
  const v = a.revocation.version;
  const scheduled = a.revocation.status === 'REVOCATION_SCHEDULED';
  const head = a.dry_run
    ? `dry run (nothing was written): would ${scheduled ? `schedule the revocation of ${full(v)} for ${formatTime(a.revocation.revoke_at)}` : `revoke ${full(v)}`}`
    : scheduled
      ? `revocation of ${full(v)} scheduled for ${formatTime(a.revocation.revoke_at)}`
      : `revoked ${full(v)} (${v.id})`;
  const lines = [head];
  if (a.revocation.reason) lines.push(`reason: ${a.revocation.reason}`);
  lines.push(`${a.dry_run ? 'versions that would be revoked' : scheduled ? 'versions scheduled' : 'versions revoked'} (${a.affected_versions.length}):`, ...versionTree(a.affected_versions));
  if (a.channel_rollbacks.length) {
    lines.push(scheduled ? 'channels that would roll back if it took effect now:' : a.dry_run ? 'channels that would roll back:' : 'channels rolled back:');
    const width = Math.max(...a.channel_rollbacks.map((r) => `${r.bucket}:${r.channel}`.length));
    for (const r of a.channel_rollbacks) {
      const note = r.empty ? (r.managed ? '  (managed; no usable version left)' : '  (no earlier valid version: the channel is left EMPTY)') : r.managed ? '  (managed)' : '';
      lines.push(`  ${`${r.bucket}:${r.channel}`.padEnd(width)}  ${short(r.from)} -> ${r.empty ? '(empty)' : short(r.to)}${note}`);
    }
  }
  if (a.channels_not_rolled_back.length) {
    lines.push('channels left on a revoked version (rollback disabled):');
    for (const c of a.channels_not_rolled_back) lines.push(`  ${c.bucket}:${c.channel}  ${short(c.version)}`);
  }
  if (a.cascade.pending > 0) lines.push(`${plural(a.cascade.pending, 'descendant')} still being revoked in the background; progress: GET ${a.cascade.status_url}`);
  return lines.map((l) => `${l}\n`).join('');
}

async function cancel(ctx: Context): Promise<number> {
  for (const f of ['at', 'in', 'skip-descendants', 'no-rollback', 'dry-run']) {
    if (ctx.values[f] !== undefined) throw new UsageError(`--${f} does not apply to revoke cancel`, ctx.path);
  }
  const { bucket, version } = versionRef(ctx.args[1]!, ctx.path);
  const res = await ctx.client().post<{ message: string }>(apiPath('buckets', bucket, 'versions', version, 'revoke', 'cancel'), compact({ reason: stringOpt(ctx.values, 'reason') }));
  if (ctx.out.json) ctx.out.printJson(res.body);
  else ctx.out.line(res.body.message);
  return 0;
}

export const revokeCommand: Command = {
  name: 'revoke',
  args: 'BUCKET:VERSION | cancel BUCKET:VERSION',
  minArgs: 1,
  maxArgs: 2,
  summary: 'revoke a version (now or later) with its descendants, or cancel a scheduled revocation',
  options: {
    reason: reasonOption,
    at: { type: 'string', value: 'TIME', help: 'revoke at an RFC 3339 time (e.g. 2026-12-01T09:00:00Z) instead of now' },
    in: { type: 'string', value: 'DURATION', help: 'revoke after a duration in d, h, m, s (e.g. 72h, 2h45m, 30d)' },
    'skip-descendants': { type: 'boolean', help: 'revoke only this version, not the versions built from it' },
    'no-rollback': { type: 'boolean', help: 'leave channels pointing at revoked versions where they are' },
    'dry-run': { type: 'boolean', help: 'show every version and channel it would affect; write nothing' },
  },
  details: [
    'VERSION is an id, a fingerprint or vN. By default every descendant (in any bucket) is revoked too',
    '(INHERITED), and every channel pointing at a revoked version rolls back to its previous valid',
    'version, or is left empty when there is none; the output says which.',
    '',
    '  gilt revoke ubuntu-base:v3 --reason "CVE-2026-1234" --dry-run',
    '  gilt revoke ubuntu-base:v3 --reason "CVE-2026-1234" --in 72h',
    '  gilt revoke cancel ubuntu-base:v3',
    '  gilt restore ubuntu-base:v3 --descendants',
  ].join('\n'),
  async run(ctx) {
    if (ctx.args.length === 2) {
      if (ctx.args[0] !== 'cancel') throw new UsageError(`unexpected argument ${JSON.stringify(ctx.args[1])}`, ctx.path);
      return cancel(ctx);
    }
    const { bucket, version } = versionRef(ctx.args[0]!, ctx.path);
    const reason = stringOpt(ctx.values, 'reason');
    if (!reason) throw new UsageError('--reason is required: say why the version is revoked', ctx.path);
    const at = stringOpt(ctx.values, 'at');
    const inDuration = stringOpt(ctx.values, 'in');
    if (at !== undefined && inDuration !== undefined) throw new UsageError('give --at or --in, not both', ctx.path);
    const body = {
      reason,
      ...compact({
        revoke_at: at,
        revoke_in: inDuration,
        skip_descendants: flag(ctx.values, 'skip-descendants') || undefined,
        disable_rollback: flag(ctx.values, 'no-rollback') || undefined,
      }),
    };
    const dryRun = flag(ctx.values, 'dry-run');
    const res = await ctx.client().request<RevokeAnswer>('POST', apiPath('buckets', bucket, 'versions', version, 'revoke'), { body, query: dryRun ? { dry_run: true } : {} });
    if (ctx.out.json) ctx.out.printJson(res.body);
    else ctx.io.stdout(formatRevocation(res.body));
    return 0;
  },
};

export const restoreCommand: Command = {
  name: 'restore',
  args: 'BUCKET:VERSION',
  minArgs: 1,
  maxArgs: 1,
  summary: 'restore a revoked version (channels that rolled back away from it stay where they are)',
  options: {
    descendants: { type: 'boolean', help: 'also restore the versions that inherited the revocation from it' },
    reason: { type: 'string', value: 'R', help: 'why' },
  },
  async run(ctx) {
    const { bucket, version } = versionRef(ctx.args[0]!, ctx.path);
    const res = await ctx.client().post<RestoreAnswer>(
      apiPath('buckets', bucket, 'versions', version, 'restore'),
      compact({ descendants: flag(ctx.values, 'descendants') || undefined, reason: stringOpt(ctx.values, 'reason') }),
    );
    if (ctx.out.json) {
      ctx.out.printJson(res.body);
      return 0;
    }
    const a = res.body;
    const lines = [`restored ${a.restored.map(full).join(', ') || full(a.version)}`];
    if (a.rolled_back_channels.length) {
      lines.push('channels that rolled back away from it were NOT moved back:');
      for (const c of a.rolled_back_channels) {
        lines.push(`  ${c.bucket}:${c.channel}  now ${short(c.now)}  (to move it back: gilt channels set ${c.bucket}:${c.channel} ${short(c.rolled_back_from)})`);
      }
    }
    ctx.io.stdout(lines.map((l) => `${l}\n`).join(''));
    return 0;
  },
};
