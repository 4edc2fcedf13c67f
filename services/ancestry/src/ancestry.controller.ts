import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { DomainError, ErrorCodes, MAX_ANCESTRY_DEPTH, Queries, type AncestryAnswer, type AncestryQuery } from '@gilt/contracts';
import { ancestryOf } from '@gilt/domain';
import { RegistryLog, toRpcException } from '@gilt/service-kit';

const DIRECTIONS = new Set(['parents', 'children', 'both']);

/** Ancestry across buckets, answered from this service's own projection of the log. */
@Controller()
export class AncestryController {
  constructor(@Inject(RegistryLog) private readonly log: RegistryLog) {}

  @MessagePattern(Queries.ancestry.relatives)
  async relatives(@Payload() q: AncestryQuery): Promise<AncestryAnswer> {
    try {
      // The gateway checks these too; this subject is open to anything on NATS, so check again.
      if (!DIRECTIONS.has(q.direction)) throw invalid('direction', 'direction must be parents, children or both');
      if (!Number.isInteger(q.depth) || q.depth < 1 || q.depth > MAX_ANCESTRY_DEPTH) throw invalid('depth', `depth must be a whole number from 1 to ${MAX_ANCESTRY_DEPTH}`);
      await this.caughtUpTo(q.min_position ?? 0);
      const { model } = this.log;
      if (!model.bucket(q.bucket)) throw new DomainError(ErrorCodes.notFound, `bucket ${q.bucket} not found`, { bucket: q.bucket });
      const v = model.version(q.bucket, q.version);
      if (!v) throw new DomainError(ErrorCodes.notFound, `version ${q.version} not found in bucket ${q.bucket}`, { bucket: q.bucket, version: q.version });
      return { ...ancestryOf(model, v, q.direction, q.depth), position: model.position };
    } catch (err) {
      throw toRpcException(err);
    }
  }

  /** Read-your-writes: the asker has seen the log up to `position`, so this answer must too. */
  private async caughtUpTo(position: number): Promise<void> {
    try {
      await this.log.projection.waitFor(position);
    } catch (err) {
      throw new DomainError(ErrorCodes.unavailable, `the ancestry service is behind the log: ${(err as Error).message}`, { position });
    }
  }

  @MessagePattern(Queries.ancestry.health)
  health() {
    return { ok: true, position: this.log.projection.position };
  }
}

const invalid = (field: string, message: string) => new DomainError(ErrorCodes.validation, message, { field });
