import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  Commands,
  DomainError,
  ErrorCodes,
  Queries,
  type CancelRevocationPayload,
  type CommandEnvelope,
  type CommandResult,
  type RestoreResultData,
  type RestoreVersionPayload,
  type RevocationResultData,
  type RevokeVersionPayload,
  type ScheduleRevocationPayload,
} from '@gilt/contracts';
import type { VersionState } from '@gilt/domain';
import { commitMeta, RegistryLog, toRpcException } from '@gilt/service-kit';
import { Cascade, type RevokeRequest } from './cascade.js';
import { Restorer } from './restore.js';
import { ScheduledRevocations } from './scheduled-revocations.js';

const request = (p: RevokeVersionPayload): RevokeRequest => ({ reason: p.reason, skip_descendants: p.skip_descendants ?? false, disable_rollback: p.disable_rollback ?? false });

/** Revocation commands over NATS. Each decides on a projection caught up with the log: versions and channels are written by other services. */
@Controller()
export class RevocationController {
  constructor(
    @Inject(RegistryLog) private readonly log: RegistryLog,
    @Inject(Cascade) private readonly cascade: Cascade,
    @Inject(ScheduledRevocations) private readonly schedules: ScheduledRevocations,
    @Inject(Restorer) private readonly restorer: Restorer,
  ) {}

  private async target(bucket: string, ref: string): Promise<VersionState> {
    await this.log.projection.catchUp();
    if (!this.log.model.bucket(bucket)) throw new DomainError(ErrorCodes.notFound, `bucket ${bucket} not found`, { bucket });
    const v = this.log.model.version(bucket, ref);
    if (!v) throw new DomainError(ErrorCodes.notFound, `version ${ref} not found in bucket ${bucket}`, { bucket, version: ref });
    return v;
  }

  private async handle<T>(work: () => Promise<CommandResult<T>>): Promise<CommandResult<T>> {
    try {
      return await work();
    } catch (err) {
      throw toRpcException(err);
    }
  }

  @MessagePattern(Commands.revocation.revoke)
  revoke(@Payload() env: CommandEnvelope<RevokeVersionPayload>) {
    return this.handle<RevocationResultData>(async () => {
      const v = await this.target(env.payload.bucket, env.payload.version);
      const wasScheduled = this.log.model.revocations.get(v.id)?.status === 'scheduled';
      const r = await this.cascade.revokeNow(v, request(env.payload), commitMeta(env));
      // The revocation that was scheduled for later is superseded: its job has nothing left to do.
      if (wasScheduled) await this.schedules.forget(v.id);
      return r;
    });
  }

  @MessagePattern(Commands.revocation.schedule)
  schedule(@Payload() env: CommandEnvelope<ScheduleRevocationPayload>) {
    return this.handle<RevocationResultData>(async () => {
      const v = await this.target(env.payload.bucket, env.payload.version);
      return this.schedules.schedule(v, env.payload.revoke_at, request(env.payload), commitMeta(env));
    });
  }

  @MessagePattern(Commands.revocation.cancel)
  cancel(@Payload() env: CommandEnvelope<CancelRevocationPayload>) {
    return this.handle<Record<string, never>>(async () => {
      const v = await this.target(env.payload.bucket, env.payload.version);
      const r = await this.schedules.cancel(v, env.payload.reason ?? null, commitMeta(env));
      return { ...r, data: {} };
    });
  }

  @MessagePattern(Commands.revocation.restore)
  restore(@Payload() env: CommandEnvelope<RestoreVersionPayload>) {
    return this.handle<RestoreResultData>(async () => {
      const v = await this.target(env.payload.bucket, env.payload.version);
      return this.restorer.restore(v, env.payload.reason ?? null, env.payload.descendants ?? false, commitMeta(env));
    });
  }

  @MessagePattern(Queries.revocation.health)
  health() {
    return { ok: true, position: this.log.projection.position };
  }
}
