import { Controller, Get, Headers, Param, Query, Res } from '@nestjs/common';
import { incidentReport } from '@gilt/domain';
import { ReadAccess } from '../read-access.js';

interface Reply {
  header(name: string, value: string): Reply;
  send(body: unknown): unknown;
}

/**
 * GET /v1/buckets/{b}/versions/{v}/incident: the incident report as Markdown (text/markdown), or
 * as `{incident: {markdown}}` for a client that asks for JSON only (the CLI).
 */
@Controller('v1/buckets/:bucket/versions/:version/incident')
export class IncidentController {
  constructor(private readonly read: ReadAccess) {}

  @Get()
  report(@Param('bucket') bucket: string, @Param('version') version: string, @Query('as_of') asOf: string | undefined, @Headers('accept') accept: string | undefined, @Res() reply: Reply) {
    const view = this.read.at(asOf);
    const v = view.version(bucket, version);
    // The version's bucket and every descendant's: where the events about them are.
    const buckets = new Set([v.bucket, ...view.model.descendantsOf(v).map((d) => d.version.bucket)]);
    const upTo = view.asOf?.position ?? this.read.history.head;
    const positions = [...new Set([...buckets].flatMap((b) => this.read.history.positionsOf(b)))].filter((p) => p <= upTo).sort((a, b) => a - b);
    const markdown = incidentReport({
      model: view.model,
      version: v,
      commits: positions.map((p) => this.read.history.commit(p)),
      generatedAt: new Date().toISOString(),
      asOf: view.asOf,
    });
    if (accept && /application\/json/.test(accept) && !/text\/markdown/.test(accept)) {
      return reply.header('content-type', 'application/json; charset=utf-8').send(JSON.stringify(view.answer({ incident: { bucket: v.bucket, version: v.id, markdown } })));
    }
    return reply.header('content-type', 'text/markdown; charset=utf-8').send(markdown);
  }
}
