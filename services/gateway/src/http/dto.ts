import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  MinLength,
  ValidateNested,
} from 'class-validator';
import { BUCKET_NAME, BUILD_NAME, BUILDER_TYPE, CHANNEL_NAME, FINGERPRINT, describeNameRule } from '@gilt/contracts';
import { IsStringMap } from './validation.js';

const nameRule = (kind: Parameters<typeof describeNameRule>[0]) => ({ message: `$property must be ${describeNameRule(kind)}` });

export class CreateBucketDto {
  @IsString() @Matches(BUCKET_NAME, nameRule('bucket')) name!: string;
  @IsOptional() @IsString() @MaxLength(255) description?: string;
  @IsOptional() @IsStringMap() labels?: Record<string, string>;
}

export class UpdateBucketDto {
  @IsOptional() @IsString() @MaxLength(255) description?: string;
  @IsOptional() @IsStringMap() labels?: Record<string, string>;
}

export class StartVersionDto {
  @IsString() @Matches(FINGERPRINT, nameRule('fingerprint')) fingerprint!: string;
  @IsOptional() @IsArray() @ArrayMaxSize(100) @IsString({ each: true }) @Matches(BUILD_NAME, { each: true, ...nameRule('build') }) expected_builds?: string[];
}

export class ArtifactDto {
  @IsString() @MinLength(1) @MaxLength(1024) external_id!: string;
  @IsOptional() @IsString() @MaxLength(128) region?: string;
}

export class ParentChannelDto {
  @IsString() @Matches(BUCKET_NAME, nameRule('bucket')) bucket!: string;
  @IsString() @Matches(CHANNEL_NAME, nameRule('channel')) channel!: string;
}

export class BuildDto {
  @IsString() @Matches(BUILD_NAME, nameRule('build')) name!: string;
  @IsString() @Matches(BUILDER_TYPE, nameRule('builder_type')) builder_type!: string;
  @IsIn(['DONE', 'FAILED']) status!: 'DONE' | 'FAILED';
  @IsOptional() @IsString() @MaxLength(64) platform?: string;
  @IsOptional() @IsString() @MaxLength(64) packer_run_uuid?: string;
  @IsOptional() @IsArray() @ArrayMaxSize(256) @ValidateNested({ each: true }) @Type(() => ArtifactDto) artifacts?: ArtifactDto[];
  @IsOptional() @IsStringMap() labels?: Record<string, string>;
  @IsOptional() @IsString() @MaxLength(1024) source_external_id?: string;
  @IsOptional() @ValidateNested() @Type(() => ParentChannelDto) parent_channel?: ParentChannelDto;
  @IsOptional() @IsInt() build_time?: number;
  @IsOptional() @IsString() @MaxLength(1024) failure_reason?: string;
}

export class RecordBuildsDto {
  @IsArray() @ArrayMaxSize(100) @ValidateNested({ each: true }) @Type(() => BuildDto) builds!: BuildDto[];
  /** Record builds whose parent is revoked instead of refusing them (409). */
  @IsOptional() @IsBoolean() allow_revoked_parent?: boolean;
}

/** `gilt publish`: a Packer manifest plus how to read it. The manifest itself is checked by the manifest parser. */
export class PublishDto {
  @IsObject() manifest!: Record<string, unknown>;
  @IsOptional() @IsString() @Matches(FINGERPRINT, nameRule('fingerprint')) fingerprint?: string;
  @IsOptional() @IsArray() @ArrayMaxSize(100) @IsString({ each: true }) @Matches(BUILD_NAME, { each: true, ...nameRule('build') }) expected_builds?: string[];
  @IsOptional() @IsString() @MaxLength(64) run_uuid?: string;
  @IsOptional() @IsBoolean() all_runs?: boolean;
  @IsOptional() @IsString() @Matches(BUILD_NAME, nameRule('build')) build_name?: string;
  @IsOptional() @IsString() @Matches(BUILDER_TYPE, nameRule('builder_type')) builder_type?: string;
  /** The source image: an external id, or `bucket:channel`. */
  @IsOptional() @IsString() @MinLength(1) @MaxLength(1024) parent?: string;
  @IsOptional() @IsString() @MaxLength(255) description?: string;
  /** Publish builds whose parent is revoked instead of refusing them (409). */
  @IsOptional() @IsBoolean() allow_revoked_parent?: boolean;
}

export class CreateChannelDto {
  @IsString() @Matches(CHANNEL_NAME, nameRule('channel')) name!: string;
  @IsOptional() @IsBoolean() restricted?: boolean;
  @IsOptional() @IsString() @MaxLength(64) version?: string;
  @IsOptional() @IsString() @MaxLength(1024) reason?: string;
}

export class AssignChannelDto {
  /** Version id, fingerprint or name (`v3`). */
  @IsString() @MinLength(1) @MaxLength(64) version!: string;
  @IsOptional() @IsString() @MaxLength(1024) reason?: string;
  @IsOptional() @IsBoolean() create?: boolean;
  /** Compare-and-set: the version id the channel must still point at (null: empty). */
  @IsOptional() @IsString() @MaxLength(64) expected_current?: string | null;
}

export class ReasonDto {
  @IsOptional() @IsString() @MaxLength(1024) reason?: string;
}

export class RestrictChannelDto {
  @IsBoolean() restricted!: boolean;
}

export class RollbackChannelDto {
  @IsOptional() @IsString() @MaxLength(64) to_version?: string;
  @IsOptional() @IsString() @MaxLength(1024) reason?: string;
}

export class PromoteChannelDto {
  @IsString() @Matches(CHANNEL_NAME, nameRule('channel')) from!: string;
  @IsString() @Matches(CHANNEL_NAME, nameRule('channel')) to!: string;
  @IsOptional() @IsString() @MaxLength(1024) reason?: string;
  @IsOptional() @IsBoolean() create?: boolean;
}
