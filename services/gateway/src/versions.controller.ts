import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  Commands,
  ErrorCodes,
  type CompleteVersionPayload,
  type DeleteVersionPayload,
  type PublishedBuild,
  type RecordBuildsPayload,
  type StartVersionPayload,
} from '@gilt/contracts';
import { RequireRole } from './auth/auth.guard.js';
import { CommandBus, type CommandOrigin } from './command-bus.js';
import { apiError } from './http/api-error.js';
import { RecordBuildsDto, StartVersionDto } from './http/dto.js';
import { paginate } from './http/pagination.js';
import { Origin } from './http/request-origin.js';
import { presentBuild, presentVersion } from './presenters.js';
import { ReadAccess } from './read-access.js';

const STATUSES = ['RUNNING', 'ACTIVE', 'FAILED', 'REVOKED', 'REVOCATION_SCHEDULED'];

@Controller('v1/buckets/:bucket/versions')
export class VersionsController {
  constructor(
    private readonly bus: CommandBus,
    private readonly read: ReadAccess,
  ) {}

  @Get()
  list(@Param('bucket') bucket: string, @Query() q: Record<string, string>) {
    const status = q.status?.toUpperCase();
    if (status !== undefined && !STATUSES.includes(status)) {
      throw apiError(ErrorCodes.validation, `status must be one of ${STATUSES.join(', ')}`, { field: 'status' });
    }
    const view = this.read.at(q.as_of);
    const b = view.bucket(bucket);
    const newestFirst = b.versions.filter((v) => !v.deleted && (!status || view.model.statusOf(v) === status)).reverse();
    const page = paginate(newestFirst, q);
    return view.answer({ versions: page.items.map((v) => presentVersion(v, view.model)), pagination: page.pagination });
  }

  @Post()
  @RequireRole('contributor')
  async start(@Param('bucket') bucket: string, @Body() dto: StartVersionDto, @Origin() origin: CommandOrigin) {
    this.read.bucket(bucket);
    const r = await this.bus.send<StartVersionPayload>(
      Commands.ingestion.startVersion,
      { bucket, fingerprint: dto.fingerprint, expected_builds: dto.expected_builds ?? null },
      origin,
    );
    return { version: presentVersion(this.read.version(bucket, dto.fingerprint), this.read.model), changed: r.changed, message: r.message };
  }

  @Get(':version')
  get(@Param('bucket') bucket: string, @Param('version') version: string, @Query('as_of') asOf: string | undefined) {
    const view = this.read.at(asOf);
    return view.answer({ version: presentVersion(view.version(bucket, version), view.model) });
  }

  @Delete(':version')
  @RequireRole('contributor')
  @HttpCode(200)
  async remove(@Param('bucket') bucket: string, @Param('version') version: string, @Origin() origin: CommandOrigin) {
    const v = this.read.version(bucket, version);
    const r = await this.bus.send<DeleteVersionPayload>(Commands.ingestion.deleteVersion, { bucket, version: v.id }, origin);
    return { deleted: true, message: r.message };
  }

  @Post(':version/complete')
  @RequireRole('contributor')
  @HttpCode(200)
  async complete(@Param('bucket') bucket: string, @Param('version') version: string, @Origin() origin: CommandOrigin) {
    const v = this.read.version(bucket, version);
    const r = await this.bus.send<CompleteVersionPayload>(Commands.ingestion.completeVersion, { bucket, version: v.id }, origin);
    return { version: presentVersion(this.read.version(bucket, v.id), this.read.model), changed: r.changed, message: r.message };
  }

  @Get(':version/builds')
  builds(@Param('bucket') bucket: string, @Param('version') version: string, @Query() q: Record<string, string>) {
    const view = this.read.at(q.as_of, { bucket });
    const status = q.status?.toUpperCase();
    if (status !== undefined && status !== 'DONE' && status !== 'FAILED') {
      throw apiError(ErrorCodes.validation, 'status must be DONE or FAILED', { field: 'status' });
    }
    const page = paginate(view.version(bucket, version).builds.filter((b) => !status || b.status === status), q);
    return view.answer({ builds: page.items.map(presentBuild), pagination: page.pagination });
  }

  @Get(':version/builds/:build')
  build(@Param('bucket') bucket: string, @Param('version') version: string, @Param('build') build: string, @Query('as_of') asOf: string | undefined) {
    const view = this.read.at(asOf, { bucket });
    const b = view.version(bucket, version).builds.find((x) => x.build_id === build);
    if (!b) throw apiError(ErrorCodes.notFound, `build ${build} not found in version ${version}`, { build });
    return view.answer({ build: presentBuild(b) });
  }

  @Post(':version/builds')
  @RequireRole('contributor')
  async addBuilds(@Param('bucket') bucket: string, @Param('version') version: string, @Body() dto: RecordBuildsDto, @Origin() origin: CommandOrigin) {
    const v = this.read.version(bucket, version);
    const builds: PublishedBuild[] = dto.builds.map((b) => ({
      name: b.name,
      builder_type: b.builder_type,
      status: b.status,
      platform: b.platform ?? b.builder_type,
      packer_run_uuid: b.packer_run_uuid ?? '',
      artifacts: (b.artifacts ?? []).map((a) => ({ external_id: a.external_id, region: a.region ?? '' })),
      labels: b.labels ?? {},
      source_external_id: b.source_external_id ?? null,
      parent_channel: b.parent_channel ? { bucket: b.parent_channel.bucket, channel: b.parent_channel.channel } : null,
      parent_version_id: null,
      build_time: b.build_time ?? null,
      failure_reason: b.failure_reason,
    }));
    const r = await this.bus.send<RecordBuildsPayload>(
      Commands.ingestion.recordBuilds,
      { bucket, version: v.id, builds, allow_revoked_parent: dto.allow_revoked_parent },
      origin,
    );
    return { version: presentVersion(this.read.version(bucket, v.id), this.read.model), changed: r.changed, message: r.message };
  }
}
