import { Controller, Get, Inject, Query } from '@nestjs/common';
import { verifyCommits } from '@gilt/eventstore-client';
import { RegistryLog } from '@gilt/service-kit';
import { RequireRole } from '../auth/auth.guard.js';
import { ReadAccess } from '../read-access.js';

/**
 * GET /v1/verify: walks the whole log as JetStream stores it and checks every hash chain and that
 * positions have no gaps; the answer names the first edited, missing or reordered commit.
 * Admin only: it reads the whole log (≈10 s per million commits).
 */
@Controller('v1/verify')
export class VerifyController {
  constructor(
    @Inject(RegistryLog) private readonly log: RegistryLog,
    private readonly read: ReadAccess,
  ) {}

  @Get()
  @RequireRole('admin')
  async verify(@Query('as_of') asOf: string | undefined) {
    const point = this.read.point(asOf);
    const report = await verifyCommits(this.log.store.readAll({ to: point?.position }));
    return point ? { ...report, as_of: point } : report;
  }
}
