import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  bucketStream,
  Commands,
  Queries,
  type CommandEnvelope,
  type CommandResult,
  type CompleteVersionPayload,
  type CreateBucketPayload,
  type DeleteBucketPayload,
  type DeleteVersionPayload,
  type PublishPayload,
  type RecordBuildsPayload,
  type StartVersionPayload,
  type UpdateBucketPayload,
} from '@gilt/contracts';
import { decideBucket, type BucketCommand } from '@gilt/domain';
import { handleCommand, newId, RegistryLog } from '@gilt/service-kit';

/** Maps each NATS command to a bucket command, decides on the projected state, appends. */
@Controller()
export class IngestionController {
  constructor(@Inject(RegistryLog) private readonly log: RegistryLog) {}

  private execute(env: CommandEnvelope<unknown>, command: BucketCommand): Promise<CommandResult> {
    const { model } = this.log;
    return handleCommand(
      this.log,
      env,
      bucketStream(command.bucket),
      () =>
        decideBucket(command, model.buckets.get(command.bucket), {
          newId,
          channelsAssigned: (b, v) => model.channelsAssigned(b, v),
          revokedParents: (build) =>
            model
              .parentsOfBuild(build)
              .filter((p) => model.isRevoked(p.id))
              .map((p) => ({ bucket: p.bucket, version_id: p.id, name: p.name })),
        }),
      {
        // Deleting checks channels, and building on a parent checks revocations, which other
        // services write: decide on the newest state.
        freshRead: command.type === 'DeleteVersion' || command.type === 'DeleteBucket' || this.buildsOnKnownParent(command),
        data: (d) => ({ version_id: d?.version_id ?? null }),
      },
    );
  }

  /**
   * Whether a command records a build on a parent this projection already knows. Only those need
   * the catch-up: a parent not here yet was published moments ago and is hardly revoked already,
   * so the common build from a marketplace image costs no extra round trip.
   */
  private buildsOnKnownParent(command: BucketCommand): boolean {
    if ((command.type !== 'Publish' && command.type !== 'RecordBuilds') || command.allow_revoked_parent) return false;
    return command.builds.some((b) => b.status === 'DONE' && this.log.model.parentsOfBuild(b).length > 0);
  }

  @MessagePattern(Commands.ingestion.createBucket)
  createBucket(@Payload() env: CommandEnvelope<CreateBucketPayload>) {
    const p = env.payload;
    return this.execute(env, { type: 'CreateBucket', bucket: p.bucket, description: p.description ?? '', labels: p.labels ?? {} });
  }

  @MessagePattern(Commands.ingestion.updateBucket)
  updateBucket(@Payload() env: CommandEnvelope<UpdateBucketPayload>) {
    const p = env.payload;
    return this.execute(env, { type: 'UpdateBucket', bucket: p.bucket, description: p.description, labels: p.labels });
  }

  @MessagePattern(Commands.ingestion.deleteBucket)
  deleteBucket(@Payload() env: CommandEnvelope<DeleteBucketPayload>) {
    return this.execute(env, { type: 'DeleteBucket', bucket: env.payload.bucket });
  }

  @MessagePattern(Commands.ingestion.startVersion)
  startVersion(@Payload() env: CommandEnvelope<StartVersionPayload>) {
    const p = env.payload;
    return this.execute(env, { type: 'StartVersion', bucket: p.bucket, fingerprint: p.fingerprint, expected_builds: p.expected_builds ?? null });
  }

  @MessagePattern(Commands.ingestion.publish)
  publish(@Payload() env: CommandEnvelope<PublishPayload>) {
    return this.execute(env, { type: 'Publish', ...env.payload });
  }

  @MessagePattern(Commands.ingestion.recordBuilds)
  recordBuilds(@Payload() env: CommandEnvelope<RecordBuildsPayload>) {
    return this.execute(env, { type: 'RecordBuilds', ...env.payload });
  }

  @MessagePattern(Commands.ingestion.completeVersion)
  completeVersion(@Payload() env: CommandEnvelope<CompleteVersionPayload>) {
    return this.execute(env, { type: 'CompleteVersion', ...env.payload });
  }

  @MessagePattern(Commands.ingestion.deleteVersion)
  deleteVersion(@Payload() env: CommandEnvelope<DeleteVersionPayload>) {
    return this.execute(env, { type: 'DeleteVersion', ...env.payload });
  }

  @MessagePattern(Queries.ingestion.health)
  health() {
    return { ok: true, position: this.log.projection.position };
  }
}
