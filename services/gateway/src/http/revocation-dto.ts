import { IsBoolean, IsOptional, IsString, MaxLength, MinLength } from 'class-validator';

/** Body of POST …/versions/{v}/revoke (HCP Packer's UpdateVersion revoke fields, named plainly). */
export class RevokeDto {
  @IsString() @MinLength(1) @MaxLength(1024) reason!: string;
  /** RFC 3339; in the future: schedule. */
  @IsOptional() @IsString() @MaxLength(64) revoke_at?: string;
  /** Duration (`72h`, `2h45m`, `30d`, `0s`); only one of revoke_at / revoke_in. */
  @IsOptional() @IsString() @MaxLength(32) revoke_in?: string;
  @IsOptional() @IsBoolean() skip_descendants?: boolean;
  @IsOptional() @IsBoolean() disable_rollback?: boolean;
}

export class RestoreDto {
  /** Also restore the versions that inherited the revocation from this one. */
  @IsOptional() @IsBoolean() descendants?: boolean;
  @IsOptional() @IsString() @MaxLength(1024) reason?: string;
}
