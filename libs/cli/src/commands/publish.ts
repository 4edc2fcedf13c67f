/**
 * `gilt publish`: validate a Packer manifest locally with the same parser the server uses,
 * then send it. Run after `packer build` (every build of the last run), or from a
 * `shell-local` post-processor, where PACKER_BUILD_NAME / PACKER_BUILDER_TYPE /
 * PACKER_RUN_UUID select the one build that just finished.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { DomainError, describeNameRule, isBuildName, isFingerprint } from '@gilt/contracts';
import { decodeManifestBytes, parseManifest, type ParseOptions, type ParsedManifest } from '@gilt/domain';
import type { ChannelView, PublishResponse, VersionView } from '../api-types.js';
import { checkBucket, checkChannel, compact, flag, requiredOpt, stringOpt, type Command, type Context } from '../command.js';
import { CliError, UsageError } from '../errors.js';
import { apiPath } from '../http-client.js';
import { formatTable, plural, text } from '../output.js';

export interface PublishBody {
  manifest: unknown;
  fingerprint: string;
  expected_builds?: string[];
  run_uuid?: string;
  all_runs?: boolean;
  build_name?: string;
  builder_type?: string;
  parent?: string;
  description?: string;
  allow_revoked_parent?: boolean;
}

export const publishCommand: Command = {
  name: 'publish',
  args: 'MANIFEST',
  minArgs: 1,
  maxArgs: 1,
  summary: 'publish the builds of a Packer manifest (packer-manifest.json) as a version',
  options: {
    bucket: { type: 'string', value: 'NAME', help: 'bucket to publish into (required)' },
    fingerprint: { type: 'string', value: 'F', help: 'version key (default: PACKER_RUN_UUID, else the manifest last_run_uuid)' },
    channel: { type: 'string', value: 'C', help: 'assign the version to channel C once it is complete (creates C)' },
    parent: { type: 'string', value: 'ID|B:C', help: 'source image: an external id, or bucket:channel (overrides custom_data.source_image_id)' },
    'allow-revoked-parent': { type: 'boolean', help: 'publish even if a parent version is revoked (refused otherwise)' },
    builds: { type: 'string', value: 'a,b,c', help: 'builds the version must have; missing ones are recorded as failed' },
    'all-runs': { type: 'boolean', help: 'publish the newest entry of every build of every run in the manifest' },
    'run-uuid': { type: 'string', value: 'U', help: 'publish the builds of packer run U (default: last_run_uuid)' },
    description: { type: 'string', value: 'D', help: 'description of the bucket, if this creates it' },
    'ignore-packer-env': { type: 'boolean', help: 'ignore PACKER_BUILD_NAME / PACKER_BUILDER_TYPE / PACKER_RUN_UUID' },
    'dry-run': { type: 'boolean', help: 'validate and show what would be published; send nothing' },
  },
  details: [
    'The manifest is checked locally first (fatal UTF-8, strict JSON, every build); a bad file',
    'is refused with the field at fault and nothing is sent.',
    '',
    'Inside a Packer shell-local post-processor these variables select the one build that ran:',
    '  PACKER_BUILD_NAME    build name (sent as build_name)',
    '  PACKER_BUILDER_TYPE  builder type, needed when two sources share a name (builder_type)',
    '  PACKER_RUN_UUID      packer run (run_uuid); also the default fingerprint',
    'With --builds a,b a multi-build version completes when all named builds are in.',
    '',
    'With --json and --channel, stdout is {"publish": <answer>, "channel": <answer or null>}.',
  ].join('\n'),
  run: publish,
};

const nonEmpty = (s: string | undefined): string | undefined => (s === undefined || s === '' ? undefined : s);

async function publish(ctx: Context): Promise<number> {
  const { values, env, out } = ctx;
  const file = ctx.args[0]!;
  const bucket = checkBucket(requiredOpt(ctx, 'bucket'), ctx.path);
  const channelOpt = stringOpt(values, 'channel');
  const channel = channelOpt === undefined ? undefined : checkChannel(channelOpt, ctx.path);
  const fingerprintOpt = stringOpt(values, 'fingerprint');
  if (fingerprintOpt !== undefined && !isFingerprint(fingerprintOpt)) {
    throw new UsageError(`--fingerprint ${JSON.stringify(fingerprintOpt)} must be ${describeNameRule('fingerprint')}`, ctx.path);
  }
  const expected = expectedBuilds(stringOpt(values, 'builds'), ctx.path);
  const allRuns = flag(values, 'all-runs');
  const runUuidOpt = stringOpt(values, 'run-uuid');
  if (runUuidOpt === '') throw new UsageError('--run-uuid must not be empty', ctx.path);
  if (allRuns && runUuidOpt !== undefined) throw new UsageError('--all-runs and --run-uuid exclude each other', ctx.path);
  const parent = stringOpt(values, 'parent');
  if (parent === '') throw new UsageError('--parent must not be empty', ctx.path);

  const packerEnv = flag(values, 'ignore-packer-env') ? {} : env;
  const buildName = nonEmpty(packerEnv.PACKER_BUILD_NAME);
  const builderType = nonEmpty(packerEnv.PACKER_BUILDER_TYPE);
  const envRunUuid = nonEmpty(packerEnv.PACKER_RUN_UUID);
  const runUuid = allRuns ? undefined : (runUuidOpt ?? envRunUuid);

  const { manifest, parsed } = await readManifest(ctx, file, { runUuid, allRuns, buildName, builderType, parent });

  const fingerprint = fingerprintOpt ?? runUuidOpt ?? envRunUuid ?? parsed.lastRunUuid;
  if (!isFingerprint(fingerprint)) {
    throw new CliError(`fingerprint ${JSON.stringify(fingerprint)} (from the run uuid) must be ${describeNameRule('fingerprint')}; pass --fingerprint`);
  }

  const body: PublishBody = {
    manifest,
    fingerprint,
    ...compact({
      expected_builds: expected,
      run_uuid: runUuid,
      all_runs: allRuns || undefined,
      build_name: buildName,
      builder_type: builderType,
      parent,
      description: stringOpt(values, 'description'),
      allow_revoked_parent: flag(values, 'allow-revoked-parent') || undefined,
    }),
  };

  const selected = parsed.builds;
  const what =
    buildName !== undefined
      ? `build ${selected.map((b) => `${b.name} (${b.builder_type})`).join(', ')}`
      : plural(selected.length, 'build');
  const runs = [...new Set(selected.map((b) => b.packer_run_uuid))];
  if (expected && buildName === undefined) {
    const have = new Set(selected.map((b) => b.name));
    for (const name of expected.filter((n) => !have.has(n))) {
      out.note(`gilt: note: ${name} (from --builds) is not in the manifest: it will be recorded as failed`);
    }
  }

  if (flag(values, 'dry-run')) {
    if (out.json) out.printJson(body);
    else {
      out.note(`dry run: would publish ${what} of packer run ${runs.join(', ')} to ${bucket} as fingerprint ${fingerprint}`);
      ctx.io.stdout(
        formatTable(
          ['BUILD', 'TYPE', 'PLATFORM', 'RUN', 'ARTIFACTS', 'SOURCE'],
          selected.map((b) => [b.name, b.builder_type, b.platform, b.packer_run_uuid, b.artifacts.map((a) => (a.region ? `${a.region}:${a.external_id}` : a.external_id)).join(','), text(b.source_external_id)]),
        ),
      );
    }
    return 0;
  }

  const client = ctx.client();
  out.note(`publishing ${what} of packer run ${runs.join(', ')} to ${bucket} (fingerprint ${fingerprint})`);
  const res = await client.post<PublishResponse>(apiPath('buckets', bucket, 'publish'), body);
  const answer = res.body;
  const v = answer.version;
  if (!out.json) printPublished(ctx, bucket, answer);

  let channelAnswer: unknown = null;
  if (channel !== undefined) {
    if (v.status === 'ACTIVE') {
      const put = await client.put<{ channel?: ChannelView }>(apiPath('buckets', bucket, 'channels', channel), { version: v.id, create: true });
      channelAnswer = put.body;
      if (!out.json) out.line(`channel ${channel} -> ${text(put.body?.channel?.version?.name ?? v.name, v.id)}`);
    } else if (!out.json) {
      out.line(`channel ${channel} not assigned: version not complete yet (${answer.message ?? v.status})`);
    }
  }
  if (out.json) out.printJson(channel === undefined ? answer : { publish: answer, channel: channelAnswer });
  return 0;
}

function expectedBuilds(list: string | undefined, path: string): string[] | undefined {
  if (list === undefined) return undefined;
  const names = list.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (names.length === 0) throw new UsageError('--builds needs at least one build name', path);
  for (const n of names) {
    if (!isBuildName(n)) throw new UsageError(`--builds: ${JSON.stringify(n)} is not a valid build name (${describeNameRule('build')})`, path);
  }
  return [...new Set(names)];
}

async function readManifest(
  ctx: Context,
  file: string,
  opts: ParseOptions,
): Promise<{ manifest: unknown; parsed: ParsedManifest }> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(resolve(ctx.io.cwd ?? process.cwd(), file));
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const why = err.code === 'ENOENT' ? 'no such file' : err.code === 'EISDIR' ? 'is a directory' : err.message;
    throw new CliError(`${file}: cannot read the manifest: ${why}`);
  }
  try {
    const manifest = decodeManifestBytes(bytes);
    return { manifest, parsed: parseManifest(manifest, opts) };
  } catch (e) {
    if (e instanceof DomainError) throw new CliError(`${file}: ${e.message}`);
    throw e;
  }
}

function printPublished(ctx: Context, bucket: string, answer: PublishResponse): void {
  const { out } = ctx;
  const v: VersionView = answer.version;
  if (!answer.changed) {
    out.line(`nothing changed: ${stripNothingChanged(answer.message ?? `version ${v.fingerprint} already has these builds`)}`);
    return;
  }
  const builds = v.builds ?? [];
  const failed = builds.filter((b) => b.status === 'FAILED').length;
  const artifacts = builds.reduce((n, b) => n + (b.status === 'FAILED' ? 0 : (b.artifacts?.length ?? 0)), 0);
  const counts = `${plural(builds.length, 'build')}${failed > 0 ? ` (${failed} failed)` : ''}, ${plural(artifacts, 'artifact')}`;
  if (v.status === 'ACTIVE' && v.name) {
    out.line(`published ${bucket} ${v.name} (${v.id}) fingerprint ${v.fingerprint}: ${counts}`);
    return;
  }
  const have = new Set(builds.map((b) => b.name));
  const waiting = (v.expected_builds ?? []).filter((n) => !have.has(n));
  const state = waiting.length > 0 && v.status === 'RUNNING' ? `${v.status}, waiting for ${waiting.join(', ')}` : v.status;
  out.line(`published ${bucket} version ${v.id} fingerprint ${v.fingerprint}: ${counts}; status ${state}`);
}

/** The server's message may itself say "nothing changed: …"; say it once. */
function stripNothingChanged(message: string): string {
  const i = message.lastIndexOf('nothing changed: ');
  return i >= 0 ? message.slice(i + 'nothing changed: '.length) : message;
}
