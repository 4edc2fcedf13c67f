import { Readable } from 'node:stream';
import { Body, Controller, Get, HttpCode, Inject, Post, Query, Res } from '@nestjs/common';
import type { StoredCommit } from '@gilt/contracts';
import { RegistryLog } from '@gilt/service-kit';
import { RequireRole } from '../auth/auth.guard.js';
import { ReadAccess } from '../read-access.js';
import { LogImporter } from './log-import.js';

interface StreamReply {
  header(name: string, value: string): StreamReply;
  send(body: unknown): unknown;
}

/** Header with the last position of an export: the CLI compares it with the last line it got, so a cut-off download is noticed. */
const EXPORT_HEAD_HEADER = 'x-gilt-export-head';

async function* jsonLines(commits: AsyncIterable<StoredCommit>): AsyncGenerator<string> {
  for await (const c of commits) yield `${JSON.stringify({ position: c.position, stream: c.stream, events: c.events, meta: c.meta, prev_hash: c.prev_hash, hash: c.hash })}\n`;
}

/**
 * The log as a file and back: `gilt events export` streams every commit as it is stored (JSON
 * lines, in order, with position and hashes); `gilt events import` writes such a file into an
 * empty Gilt, reproducing positions and hashes exactly. Admin only: the log holds everything.
 */
@Controller('v1/events')
export class LogTransferController {
  constructor(
    @Inject(RegistryLog) private readonly log: RegistryLog,
    private readonly read: ReadAccess,
    private readonly importer: LogImporter,
  ) {}

  /** Read from JetStream, not the gateway's copy: the export is of the log itself. */
  @Get('export')
  @RequireRole('admin')
  async export(@Query('as_of') asOf: string | undefined, @Res() reply: StreamReply) {
    const to = this.read.point(asOf)?.position ?? (await this.log.store.head());
    reply
      .header('content-type', 'application/x-ndjson; charset=utf-8')
      .header('content-disposition', 'attachment; filename="gilt-log.jsonl"')
      .header(EXPORT_HEAD_HEADER, String(to));
    return reply.send(Readable.from(jsonLines(this.log.store.readAll({ to }))));
  }

  @Post('import')
  @RequireRole('admin')
  @HttpCode(200)
  import(@Body() body: unknown) {
    return this.importer.importBatch(body);
  }
}
