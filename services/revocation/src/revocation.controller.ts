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
  type PlanRevocationPayload,
  type RestoreResultData,
  type RestoreVersionPayload,
  type RevocationResultData,
  type RevokeVersionPayload,
  type ScheduleRevocationPayload,
} from '@gilt/contracts';
import type { VersionState } from '@gilt/domain';
import { commitMeta, RegistryLog, toRpcException } from '@gilt/service-kit';
import { alreadyRevoked, Cascade, label, type RevokeRequest } from './cascade.js';
import { Restorer } from './restore.js';
import { planRevocation } from './revocation-plan.js';
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
      const r = await this.cascade.revokeNow(v, request(env.payload), commitMeta(env));
      // A revocation scheduled for later is superseded.
      await this.schedules.forget(v.id);
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

  /** Dry run: the same plan a revoke or schedule would carry out, and the same refusals; nothing is written. */
  @MessagePattern(Commands.revocation.plan)
  plan(@Payload() env: CommandEnvelope<PlanRevocationPayload>) {
    return this.handle<RevocationResultData>(async () => {
      const p = env.payload;
      const v = await this.target(p.bucket, p.version);
      const { model } = this.log;
      const scheduled = p.revoke_at != null && Date.parse(p.revoke_at) > Date.now();
      const state = model.revocations.get(v.id);
      if (state && (state.status === 'revoked' || (scheduled && model.isRevoked(v.id)))) throw alreadyRevoked(v, state);
      const plan = planRevocation(model, v, request(p));
      const n = plan.affected.length - 1;
      const moved = plan.channel_rollbacks.filter((r) => !r.managed).length;
      return {
        position: model.position,
        changed: false,
        message: `dry run, nothing written: would ${scheduled ? `schedule the revocation of` : 'revoke'} ${label(v)}${n ? ` and ${n} descendant${n === 1 ? '' : 's'}` : ''}; ${moved} channel${moved === 1 ? '' : 's'} would roll back`,
        data: {
          version_id: v.id,
          status: scheduled ? 'REVOCATION_SCHEDULED' : 'REVOKED',
          revoke_at: scheduled ? p.revoke_at! : new Date().toISOString(),
          dry_run: true,
          affected_versions: plan.affected,
          channel_rollbacks: plan.channel_rollbacks,
          channels_not_rolled_back: plan.channels_not_rolled_back,
          cascade: { total: n, pending: 0 },
        },
      };
    });
  }

  @MessagePattern(Queries.revocation.health)
  health() {
    return { ok: true, position: this.log.projection.position };
  }
}
