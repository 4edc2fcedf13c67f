import { Controller, Get, Query, Req } from '@nestjs/common';
import { ErrorCodes, isWebhookEvent, ROLE_RANK, ULID } from '@gilt/contracts';
import { channelOf, modelNamer, type RegistryReadModel } from '@gilt/domain';
import type { AuthedRequest } from '../auth/auth.guard.js';
import { apiError } from '../http/api-error.js';
import { ReadAccess } from '../read-access.js';
import { listEvents, parseEventQuery, type EventVisibility } from './event-query.js';

/**
 * GET /v1/events: the log itself, event by event, filtered and paged, oldest first unless
 * `order=desc`. Answered from the gateway's in-memory copy of the log.
 */
@Controller('v1/events')
export class EventsController {
  constructor(private readonly read: ReadAccess) {}

  @Get()
  list(@Query() q: Record<string, string | undefined>, @Req() req: AuthedRequest) {
    const point = this.read.point(q.as_of);
    const model = this.read.model;
    const query = parseEventQuery(q, this.read.history, (ref, bucket) => versionId(model, ref, bucket), point?.position ?? null);
    const page = listEvents(this.read.history, query, visibility(req, model), modelNamer(model));
    return point ? { ...page, as_of: point } : page;
  }
}

/** A version filter by id works across buckets (and for deleted versions); a name or fingerprint needs the bucket. */
function versionId(model: RegistryReadModel, ref: string, bucket: string | null): string {
  if (bucket) {
    const v = model.version(bucket, ref) ?? model.buckets.get(bucket)?.by_id.get(ref);
    if (!v) throw apiError(ErrorCodes.notFound, `version ${ref} not found in bucket ${bucket}`, { bucket, version: ref });
    return v.id;
  }
  if (!ULID.test(ref)) throw apiError(ErrorCodes.validation, 'version: give the version id, or bucket too for a name or fingerprint', { field: 'version' });
  return ref;
}

/** Viewers see neither webhook configuration (admin business) nor channels restricted now (as the channels API hides them). */
function visibility(req: AuthedRequest, model: RegistryReadModel): EventVisibility {
  const rank = ROLE_RANK[req.principal!.role];
  return (e) => {
    if (isWebhookEvent(e)) return rank >= ROLE_RANK.admin;
    const channel = channelOf(e);
    return !channel || rank >= ROLE_RANK.contributor || !model.channels.get(e.bucket)?.get(channel)?.restricted;
  };
}
