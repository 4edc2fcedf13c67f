import type { IncomingMessage, ServerResponse } from 'node:http';
import { Controller, Get, Inject, Query, Req, Res } from '@nestjs/common';
import {
  ErrorCodes,
  isBucketName,
  isChannelEventType,
  parsePublicEventId,
  PUBLIC_EVENT_TYPES,
  PUBLIC_SUBJECT_PREFIX,
  publicTypeOf,
  ROLE_RANK,
  type CloudEvent,
  type PublicEventType,
} from '@gilt/contracts';
import { PublicStream } from '@gilt/eventstore-client';
import type { AuthedRequest } from './auth/auth.guard.js';
import { apiError } from './http/api-error.js';

const HEARTBEAT_MS = 15_000;
const RECONNECT_MS = 2_000;

interface RawRequest extends AuthedRequest {
  raw: IncomingMessage;
}
interface RawReply {
  hijack(): void;
  raw: ServerResponse;
}

/** One subject filter for the stream (nats-server 2.9 takes one); what it cannot express is filtered here. */
function subjectFilter(types: PublicEventType[], bucket: string | undefined): string {
  if (types.length !== 1) return `${PUBLIC_SUBJECT_PREFIX}.>`;
  const [type] = types as [PublicEventType];
  if (!bucket) return `${PUBLIC_SUBJECT_PREFIX}.${type}.>`;
  return `${PUBLIC_SUBJECT_PREFIX}.${type}.${bucket}${isChannelEventType(type) ? '.*' : ''}`;
}

/**
 * GET /v1/events/stream: the public events as Server-Sent Events, live, optionally from a point
 * on. `id:` is the CloudEvent id, so a browser's EventSource resumes by itself after a drop
 * (Last-Event-ID), and nothing is missed or repeated: the read restarts in GILT_PUBLIC right
 * after that event.
 */
@Controller('v1/events')
export class EventsStreamController {
  constructor(@Inject(PublicStream) private readonly stream: PublicStream) {}

  @Get('stream')
  async follow(@Req() req: RawRequest, @Res() reply: RawReply, @Query() q: Record<string, string | undefined>) {
    const types = (q.type ?? '')
      .split(',')
      .filter((t) => t !== '')
      .map((t) => {
        const type = publicTypeOf(t);
        if (!type) throw apiError(ErrorCodes.validation, `type: ${JSON.stringify(t)} is not one of ${PUBLIC_EVENT_TYPES.join(', ')}`, { field: 'type' });
        return type;
      });
    const bucket = q.bucket || undefined;
    if (bucket !== undefined && !isBucketName(bucket)) throw apiError(ErrorCodes.validation, `bucket: ${JSON.stringify(bucket)} is not a bucket name`, { field: 'bucket' });
    const header = req.headers['last-event-id'];
    const lastEventId = (typeof header === 'string' && header !== '' ? header : undefined) ?? (q.last_event_id || undefined);
    const after = lastEventId === undefined ? null : parsePublicEventId(lastEventId);
    if (lastEventId !== undefined && !after) throw apiError(ErrorCodes.validation, `Last-Event-ID ${JSON.stringify(lastEventId)} is not a Gilt event id (<position>-<index>)`, { header: 'last-event-id' });
    // Restricted channels are not shown to viewers anywhere else; not here either.
    const seesRestricted = ROLE_RANK[req.principal!.role] >= ROLE_RANK.contributor;
    const wanted = (e: CloudEvent) => {
      const type = publicTypeOf(e.type);
      if (types.length && (!type || !types.includes(type))) return false;
      if (bucket && e.data.bucket.name !== bucket) return false;
      return seesRestricted || !(e.data as { channel?: { restricted: boolean } }).channel?.restricted;
    };

    const messages = await this.stream.read({ fromSeq: after ? await this.stream.seqAfter(after) : null, filter: subjectFilter(types, bucket) });
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    res.write(`retry: ${RECONNECT_MS}\n: gilt public events${after ? ` after ${lastEventId}` : ''}\n\n`);
    // Comments keep proxies from closing an idle stream and let clients notice a dead one.
    const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS);
    const stop = () => {
      clearInterval(heartbeat);
      void messages.close();
    };
    req.raw.on('close', stop);
    try {
      for await (const m of messages) {
        const body = m.string();
        const e = JSON.parse(body) as CloudEvent;
        if (wanted(e)) res.write(`id: ${e.id}\nevent: ${e.type}\ndata: ${body}\n\n`);
      }
    } finally {
      stop();
      res.end();
    }
  }
}
