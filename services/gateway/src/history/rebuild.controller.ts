import { Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { RequireRole } from '../auth/auth.guard.js';
import { RebuildJobs } from './rebuild-jobs.js';

/**
 * Rebuild every projection from the log on demand: POST starts it (202) and answers the job; GET
 * follows it. Each replica rebuilds into a fresh model and swaps it in when caught up, so reads
 * and writes go on meanwhile.
 */
@Controller('v1/admin/rebuild')
export class RebuildController {
  constructor(private readonly jobs: RebuildJobs) {}

  @Post()
  @RequireRole('admin')
  @HttpCode(202)
  start() {
    return { rebuild: this.jobs.start() };
  }

  @Get(':id')
  @RequireRole('admin')
  get(@Param('id') id: string) {
    return { rebuild: this.jobs.get(id) };
  }
}
