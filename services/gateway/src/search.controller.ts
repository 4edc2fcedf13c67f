import { Body, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { IsOptional, IsString, MaxLength, MinLength } from 'class-validator';
import { ErrorCodes } from '@gilt/contracts';
import { apiError } from './http/api-error.js';
import { paginate } from './http/pagination.js';
import { presentBuild } from './presenters.js';
import { ReadAccess } from './read-access.js';

class SearchArtifactDto {
  @IsString() @MinLength(1) @MaxLength(1024) external_identifier!: string;
  @IsOptional() @IsString() @MaxLength(64) platform?: string;
  @IsOptional() @IsString() @MaxLength(128) region?: string;
}

/** Reverse lookup: which registered version owns this AMI / image id? */
@Controller('v1')
export class SearchController {
  constructor(private readonly read: ReadAccess) {}

  @Get('artifacts')
  byQuery(@Query() q: Record<string, string>) {
    if (!q.external_id) throw apiError(ErrorCodes.validation, 'external_id is required', { field: 'external_id' });
    return this.search(q.external_id, q.platform, q.region, q);
  }

  /** HCP Packer's `_search/external_artifact` body shape. */
  @Post('_search/external_artifact')
  @HttpCode(200)
  byBody(@Body() dto: SearchArtifactDto, @Query() q: Record<string, string>) {
    return this.search(dto.external_identifier, dto.platform, dto.region, q);
  }

  private search(externalId: string, platform: string | undefined, region: string | undefined, q: Record<string, string>) {
    const view = this.read.at(q.as_of);
    const model = view.model;
    const hits = model.searchArtifact(externalId, { platform, region }).map(({ ref, version }) => {
      const bucket = model.bucket(ref.bucket)!;
      const build = version.builds.find((b) => b.build_id === ref.build_id)!;
      return {
        external_id: ref.external_id,
        region: ref.region,
        bucket: { name: bucket.name, labels: bucket.labels },
        version: { id: version.id, name: version.name, fingerprint: version.fingerprint, status: version.status },
        build: presentBuild(build),
      };
    });
    const page = paginate(hits, q);
    return view.answer({ artifacts: page.items, pagination: page.pagination });
  }
}
