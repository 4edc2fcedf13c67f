/** `gilt versions list|get|delete`. */
import type { BuildView, VersionView } from '../api-types.js';
import { asOfOption, checkBucket, fetchAll, stringOpt, versionRef, type Command, type CommandGroup } from '../command.js';
import { apiPath } from '../http-client.js';
import { formatFields, formatLabels, formatTable, formatTime, plural, text } from '../output.js';

const list: Command = {
  name: 'list',
  args: 'BUCKET',
  minArgs: 1,
  maxArgs: 1,
  summary: 'list the versions of a bucket, newest first',
  options: { status: { type: 'string', value: 'S', help: 'only versions with status S (RUNNING, ACTIVE, FAILED, REVOCATION_SCHEDULED, REVOKED)' }, 'as-of': asOfOption },
  async run(ctx) {
    const bucket = checkBucket(ctx.args[0]!, ctx.path);
    const versions = await fetchAll<VersionView>(ctx.client(), apiPath('buckets', bucket, 'versions'), 'versions', {
      status: stringOpt(ctx.values, 'status')?.toUpperCase(),
      as_of: stringOpt(ctx.values, 'as-of'),
    });
    if (ctx.out.json) {
      ctx.out.printJson({ versions });
      return 0;
    }
    if (versions.length === 0) {
      ctx.out.note(`no versions in ${bucket}`);
      return 0;
    }
    ctx.out.table(
      ['NAME', 'ID', 'FINGERPRINT', 'STATUS', 'BUILDS', 'CHANNELS', 'CREATED'],
      versions.map((v) => [text(v.name === 'v0' ? null : v.name), v.id, v.fingerprint, v.status, String(v.builds?.length ?? 0), text(v.channels?.join(',')), formatTime(v.created_at)]),
    );
    return 0;
  },
};

export function formatVersion(v: VersionView): string {
  const builds = v.builds ?? [];
  let out = formatFields([
    ['bucket', text(v.bucket)],
    ['version', text(v.name === 'v0' ? null : v.name)],
    ['id', v.id],
    ['fingerprint', v.fingerprint],
    ['status', v.status],
    ['expected builds', text(v.expected_builds?.join(', '))],
    ['channels', text(v.channels?.join(', '))],
    ['author', text(v.author)],
    ['created', formatTime(v.created_at)],
    ['completed', formatTime(v.completed_at)],
  ]);
  out += `\n${plural(builds.length, 'build')}:\n`;
  if (builds.length > 0) {
    out += formatTable(
      ['BUILD', 'TYPE', 'PLATFORM', 'STATUS', 'ARTIFACTS', 'SOURCE', 'LABELS'],
      builds.map((b: BuildView) => [
        b.name,
        b.builder_type,
        text(b.platform),
        b.status === 'FAILED' && b.failure_reason ? `FAILED (${b.failure_reason})` : b.status,
        text((b.artifacts ?? []).map((a) => (a.region ? `${a.region}:${a.external_id}` : a.external_id)).join(',')),
        text(b.source_external_id),
        formatLabels(b.labels),
      ]),
    );
  }
  return out;
}

const get: Command = {
  name: 'get',
  args: 'BUCKET:VERSION',
  minArgs: 1,
  maxArgs: 1,
  summary: 'show a version and its builds (VERSION: id, fingerprint or vN)',
  options: { 'as-of': asOfOption },
  async run(ctx) {
    const { bucket, version } = versionRef(ctx.args[0]!, ctx.path);
    const res = await ctx.client().get<{ version: VersionView }>(apiPath('buckets', bucket, 'versions', version), { as_of: stringOpt(ctx.values, 'as-of') });
    if (ctx.out.json) {
      ctx.out.printJson(res.body);
      return 0;
    }
    ctx.io.stdout(formatVersion(res.body.version));
    return 0;
  },
};

const remove: Command = {
  name: 'delete',
  args: 'BUCKET:VERSION',
  minArgs: 1,
  maxArgs: 1,
  summary: 'delete a version (refused while a channel points at it)',
  options: {},
  async run(ctx) {
    const { bucket, version } = versionRef(ctx.args[0]!, ctx.path);
    const res = await ctx.client().delete<{ message?: string }>(apiPath('buckets', bucket, 'versions', version));
    if (ctx.out.json) {
      ctx.out.printJson(res.body);
      return 0;
    }
    ctx.out.line(res.body?.message ?? `deleted version ${version} of ${bucket}`);
    return 0;
  },
};

export const versionsGroup: CommandGroup = { name: 'versions', summary: 'list, show and delete versions', commands: [list, get, remove] };
