import { Body, Controller, Param, Post, Res } from '@nestjs/common';
import { BUCKET_NAME, Commands, ErrorCodes, FINGERPRINT, describeNameRule, type PublishPayload } from '@gilt/contracts';
import { parseManifest } from '@gilt/domain';
import { RequireRole } from './auth/auth.guard.js';
import { CommandBus, type CommandOrigin } from './command-bus.js';
import { apiError } from './http/api-error.js';
import { PublishDto } from './http/dto.js';
import { Origin } from './http/request-origin.js';
import { presentVersion } from './presenters.js';
import { ReadAccess } from './read-access.js';

interface StatusReply {
  status(code: number): unknown;
}

/**
 * `gilt publish`: a Packer manifest in, a version with builds and artifacts out, in one atomic
 * commit. The manifest is parsed here, so a curl from a pipeline needs no CLI.
 */
@Controller('v1/buckets/:bucket/publish')
export class PublishController {
  constructor(
    private readonly bus: CommandBus,
    private readonly read: ReadAccess,
  ) {}

  @Post()
  @RequireRole('contributor')
  async publish(@Param('bucket') bucket: string, @Body() dto: PublishDto, @Origin() origin: CommandOrigin, @Res({ passthrough: true }) reply: StatusReply) {
    if (!BUCKET_NAME.test(bucket)) throw apiError(ErrorCodes.validation, `bucket must be ${describeNameRule('bucket')}`, { field: 'bucket' });
    const parentChannel = this.channelParent(dto.parent);
    const parsed = parseManifest(dto.manifest, {
      runUuid: dto.run_uuid,
      allRuns: dto.all_runs,
      buildName: dto.build_name,
      builderType: dto.builder_type,
      parent: parentChannel ? undefined : dto.parent,
      parentChannel: parentChannel?.channel,
    });
    const fingerprint = dto.fingerprint ?? dto.run_uuid ?? parsed.lastRunUuid;
    if (!FINGERPRINT.test(fingerprint)) {
      throw apiError(ErrorCodes.validation, `fingerprint ${JSON.stringify(fingerprint)} must be ${describeNameRule('fingerprint')}; pass --fingerprint`, { field: 'fingerprint' });
    }
    const builds = parsed.builds.map((b) => ({ ...b, parent_version_id: parentChannel?.versionId ?? null }));
    const payload: PublishPayload = {
      bucket,
      fingerprint,
      builds,
      expected_builds: dto.expected_builds ?? null,
      // From the whole manifest, a build that is expected but absent failed (Packer leaves failed builds out).
      missing_builds_failed: dto.build_name === undefined && dto.expected_builds !== undefined,
      description: dto.description,
      allow_revoked_parent: dto.allow_revoked_parent,
    };
    const r = await this.bus.send<PublishPayload>(Commands.ingestion.publish, payload, origin);
    reply.status(r.changed ? 201 : 200);
    const v = this.read.version(bucket, fingerprint);
    return { version: presentVersion(v, this.read.model), changed: r.changed, message: r.message };
  }

  /**
   * `bucket:channel` names a parent through a channel when that bucket exists; anything else is an
   * external id (`us-east-1:ami-…` has the same shape, but no bucket of that name).
   */
  private channelParent(parent: string | undefined) {
    const m = parent ? /^([A-Za-z0-9][A-Za-z0-9_-]{2,35}):([A-Za-z0-9][A-Za-z0-9_-]{0,35})$/.exec(parent) : null;
    if (!m || !this.read.model.bucket(m[1]!)) return null;
    const [bucket, name] = [m[1]!, m[2]!];
    const channel = this.read.model.channel(bucket, name);
    // A mistyped channel would otherwise be recorded as an external id that matches nothing: a build without lineage.
    if (!channel) throw apiError(ErrorCodes.notFound, `parent channel ${parent} not found`, { field: 'parent', bucket, channel: name });
    const served = this.read.model.servedVersion(channel);
    if (!served) throw apiError(ErrorCodes.conflict, `parent channel ${parent} has no version assigned`, { field: 'parent' });
    return { channel: { bucket, channel: name }, versionId: served.id };
  }
}
