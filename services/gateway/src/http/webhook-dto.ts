import { ArrayMaxSize, ArrayMinSize, IsArray, IsOptional, IsString, IsUrl, Matches, MaxLength, MinLength } from 'class-validator';
import { BUCKET_NAME, describeNameRule } from '@gilt/contracts';

/** Shapes only; the notifier checks the rules (known event types, URL scheme) and names the field. */
export class RegisterWebhookDto {
  @IsUrl({ protocols: ['http', 'https'], require_protocol: true, require_tld: false }, { message: '$property must be an http:// or https:// URL' })
  @MaxLength(2048)
  url!: string;
  /** Public event types (`channel.assigned`), `<kind>.*`, or `*` (the default). */
  @IsOptional() @IsArray() @ArrayMinSize(1) @ArrayMaxSize(32) @IsString({ each: true }) @MaxLength(64, { each: true }) events?: string[];
  /** Only events of these buckets (default: all). */
  @IsOptional() @IsArray() @ArrayMaxSize(100) @Matches(BUCKET_NAME, { each: true, message: `each value in $property must be ${describeNameRule('bucket')}` }) buckets?: string[];
  /** HMAC-SHA512 key for X-Gilt-Signature; omitted: Gilt makes one and answers it once. Never shown again. */
  @IsOptional() @IsString() @MinLength(16) @MaxLength(256) secret?: string;
  @IsOptional() @IsString() @MaxLength(255) description?: string;
}
