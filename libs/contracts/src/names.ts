/** Name rules. Everything that ends up in a NATS subject or a URL path is checked here first. */

export const BUCKET_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{2,35}$/;
export const CHANNEL_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,35}$/;
/** HCP Packer's fingerprint rule: 1–40 chars, starts and ends alphanumeric, only [A-Za-z0-9._-]. */
export const FINGERPRINT = /^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,38}[A-Za-z0-9])?$/;
/** Packer build names: `amazon-ebs.ubuntu`, `ubuntu`, `aws-ubuntu`. A dot inside is fine; `..` or a leading dot is not. */
export const BUILD_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9_.-]{0,126}[A-Za-z0-9_-])?$/;
export const BUILDER_TYPE = /^[a-z0-9][a-z0-9_-]{0,63}$/;
export const ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/;

export const MANAGED_CHANNEL = 'latest';

export function describeNameRule(kind: 'bucket' | 'channel' | 'fingerprint' | 'build' | 'builder_type'): string {
  switch (kind) {
    case 'bucket':
      return '3–36 characters: letters, digits, "-" and "_", starting with a letter or digit';
    case 'channel':
      return '1–36 characters: letters, digits, "-" and "_", starting with a letter or digit';
    case 'fingerprint':
      return '1–40 characters from [A-Za-z0-9._-], starting and ending with a letter or digit';
    case 'build':
      return 'up to 128 ASCII characters from [A-Za-z0-9._-], starting with a letter or digit, with no ".."';
    case 'builder_type':
      return 'lower-case letters, digits, "-" and "_"';
  }
}

export const isBucketName = (s: unknown): s is string => typeof s === 'string' && BUCKET_NAME.test(s);
export const isChannelName = (s: unknown): s is string => typeof s === 'string' && CHANNEL_NAME.test(s);
export const isFingerprint = (s: unknown): s is string => typeof s === 'string' && FINGERPRINT.test(s);
export const isBuildName = (s: unknown): s is string => typeof s === 'string' && BUILD_NAME.test(s) && !s.includes('..');
export const isBuilderType = (s: unknown): s is string => typeof s === 'string' && BUILDER_TYPE.test(s);
