import { Inject, Injectable } from '@nestjs/common';
import { ErrorCodes } from '@gilt/contracts';
import type { BucketState, VersionState } from '@gilt/domain';
import { RegistryLog } from '@gilt/service-kit';
import { apiError } from './http/api-error.js';

/** Lookups on the gateway's read model that answer 404 with the missing thing named. */
@Injectable()
export class ReadAccess {
  constructor(@Inject(RegistryLog) private readonly log: RegistryLog) {}

  get model() {
    return this.log.model;
  }

  bucket(name: string): BucketState {
    const b = this.model.bucket(name);
    if (!b) throw apiError(ErrorCodes.notFound, `bucket ${name} not found`, { bucket: name });
    return b;
  }

  version(bucket: string, ref: string): VersionState {
    this.bucket(bucket);
    const v = this.model.version(bucket, ref);
    if (!v) throw apiError(ErrorCodes.notFound, `version ${ref} not found in bucket ${bucket} (give its id, fingerprint or name)`, { bucket, version: ref });
    return v;
  }
}
