/** `gilt resolve` and `gilt search`: the read path deployment pipelines use. */
import type { BuildView, ResolveResponse } from '../api-types.js';
import { asOfOption, channelRef, fetchAll, requiredOpt, stringOpt, type Command } from '../command.js';
import { CliError, UsageError } from '../errors.js';
import { apiPath } from '../http-client.js';

export const resolveCommand: Command = {
  name: 'resolve',
  args: 'BUCKET:CHANNEL',
  minArgs: 1,
  maxArgs: 1,
  summary: 'print the external id (e.g. AMI) a channel serves for a platform and region',
  options: {
    platform: { type: 'string', value: 'P', help: 'aws, azure, gce, docker, … (required)' },
    region: { type: 'string', value: 'R', help: 'e.g. us-east-1' },
    build: { type: 'string', value: 'NAME', help: 'the build, when several match' },
    'as-of': asOfOption,
  },
  details: 'Prints only the external id on stdout. Exits 1 when nothing matches or the image is revoked.',
  async run(ctx) {
    const { bucket, channel } = channelRef(ctx.args[0]!, ctx.path);
    const platform = requiredOpt(ctx, 'platform');
    const res = await ctx.client().get<ResolveResponse>(apiPath('buckets', bucket, 'channels', channel, 'artifact'), {
      platform,
      region: stringOpt(ctx.values, 'region'),
      build: stringOpt(ctx.values, 'build'),
      as_of: stringOpt(ctx.values, 'as-of'),
    });
    const r = res.body;
    if (ctx.out.json) ctx.out.printJson(r);
    const version = r?.version?.name ?? r?.version?.id ?? '?';
    if (r?.revoked) {
      ctx.out.error(`${bucket}:${channel} serves ${r.external_id} from version ${version}, which is revoked: do not use it`);
      return 1;
    }
    if (typeof r?.external_id !== 'string' || r.external_id === '') throw new CliError(`${bucket}:${channel}: the server answered without an external id`);
    if (r.revoke_at) ctx.out.note(`gilt: warning: version ${version} is scheduled to be revoked at ${r.revoke_at}`);
    if (!ctx.out.json) ctx.out.line(r.external_id);
    return 0;
  },
};

interface SearchHit {
  external_id: string;
  region: string;
  bucket: { name: string };
  version: { id: string; name: string | null; fingerprint: string; status: string };
  build: BuildView;
}

export const searchCommand: Command = {
  name: 'search',
  args: 'EXTERNAL_ID',
  minArgs: 1,
  maxArgs: 1,
  summary: 'find the versions that hold an artifact (e.g. ami-0123…); exit 1 when none does',
  options: { platform: { type: 'string', value: 'P', help: 'only this platform' }, region: { type: 'string', value: 'R', help: 'only this region' }, 'as-of': asOfOption },
  async run(ctx) {
    const id = ctx.args[0]!;
    if (id === '') throw new UsageError('EXTERNAL_ID must not be empty', ctx.path);
    const hits = await fetchAll<SearchHit>(ctx.client(), apiPath('artifacts'), 'artifacts', {
      external_id: id,
      platform: stringOpt(ctx.values, 'platform'),
      region: stringOpt(ctx.values, 'region'),
      as_of: stringOpt(ctx.values, 'as-of'),
    });
    if (ctx.out.json) ctx.out.printJson({ artifacts: hits });
    if (hits.length === 0) {
      ctx.out.error(`no version holds artifact ${id}`);
      return 1;
    }
    if (!ctx.out.json) {
      ctx.out.table(
        ['BUCKET', 'VERSION', 'STATUS', 'BUILD', 'PLATFORM', 'REGION', 'EXTERNAL ID'],
        hits.map((h) => [h.bucket.name, h.version.name && h.version.name !== 'v0' ? `${h.version.name} (${h.version.id})` : h.version.id, h.version.status, h.build.name, h.build.platform ?? '-', h.region || '-', h.external_id]),
      );
    }
    return 0;
  },
};
