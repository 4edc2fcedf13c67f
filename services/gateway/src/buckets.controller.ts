import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { Commands, type CreateBucketPayload, type DeleteBucketPayload, type UpdateBucketPayload } from '@gilt/contracts';
import { RequireRole } from './auth/auth.guard.js';
import { CommandBus, type CommandOrigin } from './command-bus.js';
import { CreateBucketDto, UpdateBucketDto } from './http/dto.js';
import { paginate } from './http/pagination.js';
import { Origin } from './http/request-origin.js';
import { presentBucket } from './presenters.js';
import { ReadAccess } from './read-access.js';

@Controller('v1/buckets')
export class BucketsController {
  constructor(
    private readonly bus: CommandBus,
    private readonly read: ReadAccess,
  ) {}

  @Get()
  list(@Query() q: Record<string, string>) {
    const view = this.read.at(q.as_of);
    const page = paginate(view.model.liveBuckets(), q);
    return view.answer({ buckets: page.items.map((b) => presentBucket(b, view.model)), pagination: page.pagination });
  }

  @Post()
  @RequireRole('contributor')
  async create(@Body() dto: CreateBucketDto, @Origin() origin: CommandOrigin) {
    const r = await this.bus.send<CreateBucketPayload>(Commands.ingestion.createBucket, { bucket: dto.name, description: dto.description, labels: dto.labels }, origin);
    return { bucket: presentBucket(this.read.bucket(dto.name), this.read.model), message: r.message };
  }

  @Get(':bucket')
  get(@Param('bucket') bucket: string, @Query('as_of') asOf: string | undefined) {
    const view = this.read.at(asOf, { bucket });
    return view.answer({ bucket: presentBucket(view.bucket(bucket), view.model) });
  }

  @Patch(':bucket')
  @RequireRole('contributor')
  async update(@Param('bucket') bucket: string, @Body() dto: UpdateBucketDto, @Origin() origin: CommandOrigin) {
    this.read.bucket(bucket);
    const r = await this.bus.send<UpdateBucketPayload>(Commands.ingestion.updateBucket, { bucket, description: dto.description, labels: dto.labels }, origin);
    return { bucket: presentBucket(this.read.bucket(bucket), this.read.model), changed: r.changed, message: r.message };
  }

  @Delete(':bucket')
  @RequireRole('admin')
  @HttpCode(200)
  async remove(@Param('bucket') bucket: string, @Origin() origin: CommandOrigin) {
    this.read.bucket(bucket);
    const r = await this.bus.send<DeleteBucketPayload>(Commands.ingestion.deleteBucket, { bucket }, origin);
    return { deleted: true, message: r.message };
  }
}
