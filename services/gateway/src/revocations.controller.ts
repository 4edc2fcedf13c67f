import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query, Res } from '@nestjs/common';
import {
  Commands,
  ErrorCodes,
  type CancelRevocationPayload,
  type RestoreResultData,
  type RestoreVersionPayload,
  type RevocationResultData,
  type RevokeVersionPayload,
  type ScheduleRevocationPayload,
} from '@gilt/contracts';
import { assertRevocable, planRevocation, versionLabel, type VersionState } from '@gilt/domain';
import { RegistryLog } from '@gilt/service-kit';
import { RequireRole } from './auth/auth.guard.js';
import { CommandBus, type CommandOrigin } from './command-bus.js';
import { apiError } from './http/api-error.js';
import { ReasonDto } from './http/dto.js';
import { Origin } from './http/request-origin.js';
import { RestoreDto, RevokeDto } from './http/revocation-dto.js';
import { revokeTime } from './http/revoke-time.js';
import { presentPlan, presentRestoreResult, presentRevocationState } from './revocation-presenters.js';
import { ReadAccess } from './read-access.js';

interface StatusReply {
  status(code: number): unknown;
}

const PENDING_LIST_LIMIT = 50;

function dryRunFlag(value: string | undefined): boolean {
  if (value === undefined || value === 'false') return false;
  if (value === 'true' || value === '') return true;
  throw apiError(ErrorCodes.validation, `dry_run must be true or false, got ${JSON.stringify(value)}`, { field: 'dry_run' });
}

/**
 * Revoke (now or at a time, with descendants unless told otherwise), cancel, restore, and the
 * progress of a cascade. Writes go to the revocation service; the versions and channels a
 * revocation touches are listed from the gateway's own read model with the same plan the service
 * carries out (so dry runs write nothing and need no service, and plans of any size fit in the
 * answer). A revoke answers once every descendant and channel is done when the cascade has up to
 * 2,000 versions (200); a larger one answers after the root is revoked (202) and
 * GET /v1/revocations/{version_id} shows the rest arriving. Reads treat a passed revoke_at as
 * revoked whether or not the job has run.
 */
@Controller('v1')
export class RevocationsController {
  constructor(
    private readonly bus: CommandBus,
    private readonly read: ReadAccess,
    @Inject(RegistryLog) private readonly log: RegistryLog,
  ) {}

  @Post('buckets/:bucket/versions/:version/revoke')
  @RequireRole('contributor')
  async revoke(
    @Param('bucket') bucket: string,
    @Param('version') version: string,
    @Query('dry_run') dryRun: string | undefined,
    @Body() dto: RevokeDto,
    @Origin() origin: CommandOrigin,
    @Res({ passthrough: true }) reply: StatusReply,
  ) {
    const dry = dryRunFlag(dryRun);
    const v = this.read.version(bucket, version);
    const revokeAt = revokeTime(dto);
    const opts = { skip_descendants: dto.skip_descendants ?? false, disable_rollback: dto.disable_rollback ?? false };
    // Plan on a model caught up with the log, as the revocation service does: both get the same plan.
    await this.log.projection.catchUp();
    const model = this.read.model;
    assertRevocable(model, v, revokeAt !== null);
    const plan = planRevocation(model, v, opts);
    const total = plan.affected.length - 1;
    if (dry) {
      reply.status(200);
      const asked = { reason: dto.reason, revocation_type: 'MANUAL' as const, author: origin.principal.name, inherited_from: null, ...opts };
      const moved = plan.channel_rollbacks.filter((r) => !r.managed).length;
      return {
        revocation: presentRevocationState(v, asked, revokeAt ? 'REVOCATION_SCHEDULED' : 'REVOKED', revokeAt ?? new Date().toISOString(), model),
        ...presentPlan(plan, { total, pending: 0 }, true, model),
        changed: false,
        message: `dry run, nothing written: would ${revokeAt ? 'schedule the revocation of' : 'revoke'} ${versionLabel(v)}${total ? ` and ${total} descendant${total === 1 ? '' : 's'}` : ''}; ${moved} channel${moved === 1 ? '' : 's'} would roll back`,
      };
    }
    const payload: RevokeVersionPayload = { bucket, version: v.id, reason: dto.reason, ...opts };
    const r = revokeAt
      ? await this.bus.send<ScheduleRevocationPayload, RevocationResultData>(Commands.revocation.schedule, { ...payload, revoke_at: revokeAt }, origin)
      : await this.bus.send<RevokeVersionPayload, RevocationResultData>(Commands.revocation.revoke, payload, origin);
    reply.status(r.data.cascade.pending > 0 ? 202 : 200);
    const after = this.read.model;
    const state = after.revocations.get(v.id)!;
    return { revocation: presentRevocationState(v, state, after.statusOf(v), state.revoke_at, after), ...presentPlan(plan, r.data.cascade, false, after), changed: r.changed, message: r.message };
  }

  @Post('buckets/:bucket/versions/:version/revoke/cancel')
  @RequireRole('contributor')
  @HttpCode(200)
  async cancel(@Param('bucket') bucket: string, @Param('version') version: string, @Body() dto: ReasonDto, @Origin() origin: CommandOrigin) {
    const v = this.read.version(bucket, version);
    const r = await this.bus.send<CancelRevocationPayload>(Commands.revocation.cancel, { bucket, version: v.id, reason: dto?.reason ?? null }, origin);
    return { version: this.versionStatus(v), changed: r.changed, message: r.message };
  }

  @Post('buckets/:bucket/versions/:version/restore')
  @RequireRole('contributor')
  @HttpCode(200)
  async restore(@Param('bucket') bucket: string, @Param('version') version: string, @Body() dto: RestoreDto, @Origin() origin: CommandOrigin) {
    const v = this.read.version(bucket, version);
    const r = await this.bus.send<RestoreVersionPayload, RestoreResultData>(
      Commands.revocation.restore,
      { bucket, version: v.id, reason: dto?.reason ?? null, descendants: dto?.descendants ?? false },
      origin,
    );
    return { version: this.versionStatus(v), ...presentRestoreResult(r.data, this.read.model), changed: r.changed, message: r.message };
  }

  /** Where a revocation stands: for a cascade, how many descendants are revoked and which channels still wait for their rollback. */
  @Get('revocations/:version')
  status(@Param('version') id: string, @Query('as_of') asOf: string | undefined) {
    const view = this.read.at(asOf);
    const model = view.model;
    const v = model.versions.get(id);
    const r = model.revocation(id);
    if (!v || !r) throw apiError(ErrorCodes.notFound, `no revocation of version ${id} (give the version id)`, { version: id });
    const descendants = r.revocation_type === 'MANUAL' && !r.skip_descendants ? model.descendantsOf(v).map((d) => d.version) : [];
    // A descendant decided about after the root's last change (e.g. restored on its own) is no longer the cascade's.
    const carried = descendants.filter((d) => {
      const s = model.revocations.get(d.id);
      return !s || s.changed_position <= r.changed_position || s.inherited_from?.version_id === id;
    });
    const reached = (d: VersionState) => {
      const s = model.revocations.get(d.id)?.status;
      return s === 'revoked' || (r.status === 'scheduled' && s === 'scheduled');
    };
    const pending = carried.filter((d) => !reached(d));
    const channelsPending = [v, ...carried].flatMap((x) => {
      const s = model.revocations.get(x.id);
      if (s?.status !== 'revoked' || s.disable_rollback) return [];
      return model.channelsAssigned(x.bucket, x.id).map((channel) => ({ bucket: x.bucket, channel, version_id: x.id }));
    });
    return view.answer({
      revocation: presentRevocationState(v, r, model.statusOf(v), r.revoke_at, model),
      cascade: {
        total: carried.length,
        done: carried.length - pending.length,
        pending: pending.length,
        pending_versions: pending.slice(0, PENDING_LIST_LIMIT).map((d) => ({ id: d.id, bucket: d.bucket, name: d.name })),
        channels_pending: channelsPending,
        complete: pending.length === 0 && channelsPending.length === 0,
      },
    });
  }

  private versionStatus(v: VersionState) {
    const model = this.read.model;
    const r = model.revocation(v.id);
    return { id: v.id, bucket: v.bucket, name: v.name, fingerprint: v.fingerprint, status: model.statusOf(v), revoke_at: r?.revoke_at ?? null };
  }
}
