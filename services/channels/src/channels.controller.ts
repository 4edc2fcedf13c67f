import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  channelStream,
  Commands,
  DomainError,
  ErrorCodes,
  Queries,
  type AssignChannelPayload,
  type CommandEnvelope,
  type CommandResult,
  type CreateChannelPayload,
  type DeleteChannelPayload,
  type PromoteChannelPayload,
  type RestrictChannelPayload,
  type RollbackChannelPayload,
  type UnassignChannelPayload,
} from '@gilt/contracts';
import { decideChannel, type ChannelCommand, type ChannelContext } from '@gilt/domain';
import { handleCommand, RegistryLog, toRpcException } from '@gilt/service-kit';

/** Channel commands: map, decide on the newest projected state, append to the channel's stream. */
@Controller()
export class ChannelsController {
  constructor(@Inject(RegistryLog) private readonly log: RegistryLog) {}

  private context(env: CommandEnvelope<unknown>, bucket: string): ChannelContext {
    const { model } = this.log;
    return {
      role: env.role,
      bucketExists: model.bucket(bucket) !== undefined,
      findVersion: (ref) => model.version(bucket, ref),
      isAssignable: (v) => model.isAssignable(v),
      whyUnassignable: (v) =>
        v.deleted ? 'it was deleted' : v.completed_at === null ? `it is not complete (status ${v.status})` : model.isRevoked(v.id) ? 'it is revoked' : 'it is not usable',
    };
  }

  private execute(env: CommandEnvelope<unknown>, command: ChannelCommand): Promise<CommandResult> {
    return handleCommand(
      this.log,
      env,
      channelStream(command.bucket, command.channel),
      () => decideChannel(command, this.log.model.channels.get(command.bucket)?.get(command.channel), this.context(env, command.bucket)),
      // Versions are written by ingestion: decide on a state that has caught up with the log.
      { freshRead: true, data: (d) => ({ empty: d?.empty ?? null }) },
    );
  }

  @MessagePattern(Commands.channels.create)
  create(@Payload() env: CommandEnvelope<CreateChannelPayload>) {
    const p = env.payload;
    return this.execute(env, { type: 'CreateChannel', bucket: p.bucket, channel: p.channel, restricted: p.restricted ?? false, version: p.version ?? null, reason: p.reason ?? null });
  }

  @MessagePattern(Commands.channels.assign)
  assign(@Payload() env: CommandEnvelope<AssignChannelPayload>) {
    const p = env.payload;
    return this.execute(env, {
      type: 'AssignChannel',
      bucket: p.bucket,
      channel: p.channel,
      version: p.version,
      reason: p.reason ?? null,
      create: p.create ?? false,
      expected_current: p.expected_current,
    });
  }

  @MessagePattern(Commands.channels.unassign)
  unassign(@Payload() env: CommandEnvelope<UnassignChannelPayload>) {
    const p = env.payload;
    return this.execute(env, { type: 'UnassignChannel', bucket: p.bucket, channel: p.channel, reason: p.reason ?? null });
  }

  @MessagePattern(Commands.channels.restrict)
  restrict(@Payload() env: CommandEnvelope<RestrictChannelPayload>) {
    const p = env.payload;
    return this.execute(env, { type: 'RestrictChannel', bucket: p.bucket, channel: p.channel, restricted: p.restricted });
  }

  @MessagePattern(Commands.channels.delete)
  remove(@Payload() env: CommandEnvelope<DeleteChannelPayload>) {
    const p = env.payload;
    return this.execute(env, { type: 'DeleteChannel', bucket: p.bucket, channel: p.channel, reason: p.reason ?? null });
  }

  @MessagePattern(Commands.channels.rollback)
  rollback(@Payload() env: CommandEnvelope<RollbackChannelPayload>) {
    const p = env.payload;
    return this.execute(env, { type: 'RollbackChannel', bucket: p.bucket, channel: p.channel, to_version: p.to_version ?? null, reason: p.reason ?? null });
  }

  /** Promotion is an assignment of the source channel's current version, remembered as such in history. */
  @MessagePattern(Commands.channels.promote)
  async promote(@Payload() env: CommandEnvelope<PromoteChannelPayload>) {
    const p = env.payload;
    await this.log.projection.catchUp();
    const source = this.log.model.channel(p.bucket, p.from);
    if (!source) throw toRpcException(new DomainError(ErrorCodes.notFound, `channel ${p.bucket}:${p.from} not found`, { channel: p.from }));
    if (!source.version_id) throw toRpcException(new DomainError(ErrorCodes.conflict, `channel ${p.bucket}:${p.from} is empty: nothing to promote`, { channel: p.from }));
    return this.execute(env, {
      type: 'AssignChannel',
      bucket: p.bucket,
      channel: p.to,
      version: source.version_id,
      reason: p.reason ?? null,
      create: p.create ?? false,
      promoted_from: p.from,
    });
  }

  @MessagePattern(Queries.channels.health)
  health() {
    return { ok: true, position: this.log.projection.position };
  }
}
