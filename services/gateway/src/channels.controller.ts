import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Put, Query, Req } from '@nestjs/common';
import {
  CHANNEL_NAME,
  Commands,
  ErrorCodes,
  ROLE_RANK,
  type AssignChannelPayload,
  type CreateChannelPayload,
  type DeleteChannelPayload,
  type PromoteChannelPayload,
  type RestrictChannelPayload,
  type RollbackChannelPayload,
  type UnassignChannelPayload,
} from '@gilt/contracts';
import type { ChannelState } from '@gilt/domain';
import { RequireRole, type AuthedRequest } from './auth/auth.guard.js';
import type { Principal } from './auth/token-store.js';
import { CommandBus, type CommandOrigin } from './command-bus.js';
import { apiError } from './http/api-error.js';
import { AssignChannelDto, CreateChannelDto, PromoteChannelDto, ReasonDto, RestrictChannelDto, RollbackChannelDto } from './http/dto.js';
import { paginate } from './http/pagination.js';
import { Origin } from './http/request-origin.js';
import { presentChannel, presentHistoryEntry } from './presenters.js';
import { ReadAccess, type ReadView } from './read-access.js';

/** Restricted channels are visible only to contributors and admins (as in HCP Packer). */
export const canSee = (c: ChannelState, principal: Principal) => !c.restricted || ROLE_RANK[principal.role] >= ROLE_RANK.contributor;

@Controller('v1/buckets/:bucket/channels')
export class ChannelsController {
  constructor(
    private readonly bus: CommandBus,
    private readonly read: ReadAccess,
  ) {}

  private channel(view: ReadView, bucket: string, name: string, req: AuthedRequest): ChannelState {
    view.bucket(bucket);
    const c = view.model.channel(bucket, name);
    if (!c || !canSee(c, req.principal!)) throw apiError(ErrorCodes.notFound, `channel ${bucket}:${name} not found`, { bucket, channel: name });
    return c;
  }

  private present(bucket: string, name: string) {
    const c = this.read.model.channel(bucket, name);
    return c ? presentChannel(c, this.read.model) : null;
  }

  @Get()
  list(@Param('bucket') bucket: string, @Query('as_of') asOf: string | undefined, @Req() req: AuthedRequest) {
    const view = this.read.at(asOf);
    view.bucket(bucket);
    return view.answer({ channels: view.model.liveChannels(bucket).filter((c) => canSee(c, req.principal!)).map((c) => presentChannel(c, view.model)) });
  }

  @Post()
  @RequireRole('contributor')
  async create(@Param('bucket') bucket: string, @Body() dto: CreateChannelDto, @Origin() origin: CommandOrigin) {
    this.read.bucket(bucket);
    const r = await this.bus.send<CreateChannelPayload>(
      Commands.channels.create,
      { bucket, channel: dto.name, restricted: dto.restricted, version: dto.version ?? null, reason: dto.reason ?? null },
      origin,
    );
    return { channel: this.present(bucket, dto.name), message: r.message };
  }

  @Post('promote')
  @RequireRole('contributor')
  @HttpCode(200)
  async promote(@Param('bucket') bucket: string, @Body() dto: PromoteChannelDto, @Origin() origin: CommandOrigin) {
    this.read.bucket(bucket);
    const r = await this.bus.send<PromoteChannelPayload>(Commands.channels.promote, { bucket, from: dto.from, to: dto.to, reason: dto.reason ?? null, create: dto.create ?? true }, origin);
    return { channel: this.present(bucket, dto.to), changed: r.changed, message: r.message };
  }

  @Get(':channel')
  get(@Param('bucket') bucket: string, @Param('channel') channel: string, @Query('as_of') asOf: string | undefined, @Req() req: AuthedRequest) {
    const view = this.read.at(asOf);
    return view.answer({ channel: presentChannel(this.channel(view, bucket, channel, req), view.model) });
  }

  @Put(':channel')
  @RequireRole('contributor')
  async assign(@Param('bucket') bucket: string, @Param('channel') channel: string, @Body() dto: AssignChannelDto, @Origin() origin: CommandOrigin) {
    this.read.bucket(bucket);
    if (!CHANNEL_NAME.test(channel)) throw apiError(ErrorCodes.validation, `channel name ${JSON.stringify(channel)} is not valid`, { field: 'channel' });
    const r = await this.bus.send<AssignChannelPayload>(
      Commands.channels.assign,
      { bucket, channel, version: dto.version, reason: dto.reason ?? null, create: dto.create, expected_current: dto.expected_current },
      origin,
    );
    return { channel: this.present(bucket, channel), changed: r.changed, message: r.message };
  }

  @Patch(':channel')
  @RequireRole('admin')
  async restrict(@Param('bucket') bucket: string, @Param('channel') channel: string, @Body() dto: RestrictChannelDto, @Origin() origin: CommandOrigin) {
    this.read.bucket(bucket);
    const r = await this.bus.send<RestrictChannelPayload>(Commands.channels.restrict, { bucket, channel, restricted: dto.restricted }, origin);
    return { channel: this.present(bucket, channel), changed: r.changed, message: r.message };
  }

  @Post(':channel/unassign')
  @RequireRole('contributor')
  @HttpCode(200)
  async unassign(@Param('bucket') bucket: string, @Param('channel') channel: string, @Body() dto: ReasonDto, @Origin() origin: CommandOrigin) {
    this.read.bucket(bucket);
    const r = await this.bus.send<UnassignChannelPayload>(Commands.channels.unassign, { bucket, channel, reason: dto?.reason ?? null }, origin);
    return { channel: this.present(bucket, channel), changed: r.changed, message: r.message };
  }

  @Delete(':channel')
  @RequireRole('contributor')
  @HttpCode(200)
  async remove(@Param('bucket') bucket: string, @Param('channel') channel: string, @Origin() origin: CommandOrigin) {
    this.read.bucket(bucket);
    const r = await this.bus.send<DeleteChannelPayload>(Commands.channels.delete, { bucket, channel }, origin);
    return { deleted: true, message: r.message };
  }

  @Post(':channel/rollback')
  @RequireRole('contributor')
  @HttpCode(200)
  async rollback(@Param('bucket') bucket: string, @Param('channel') channel: string, @Body() dto: RollbackChannelDto, @Origin() origin: CommandOrigin) {
    this.read.bucket(bucket);
    const r = await this.bus.send<RollbackChannelPayload, { empty: boolean | null }>(
      Commands.channels.rollback,
      { bucket, channel, to_version: dto?.to_version ?? null, reason: dto?.reason ?? null },
      origin,
    );
    const c = this.present(bucket, channel);
    return { channel: c, empty: c?.version === null, changed: r.changed, message: r.message };
  }

  @Get(':channel/history')
  history(@Param('bucket') bucket: string, @Param('channel') channel: string, @Query() q: Record<string, string>, @Req() req: AuthedRequest) {
    const view = this.read.at(q.as_of, { bucket });
    const c = this.channel(view, bucket, channel, req);
    const page = paginate([...c.history].reverse(), q);
    return view.answer({ history: page.items.map((h) => presentHistoryEntry(h, bucket, view.model)), pagination: page.pagination });
  }
}
