import { Controller, Get, Header, Param } from '@nestjs/common';
import { cloudEventType, ErrorCodes, isChannelEventType, PUBLIC_EVENT_TYPES, PUBLIC_SUBJECT_PREFIX, publicEventDescription, publicEventSchema, publicTypeOf } from '@gilt/contracts';
import { Public } from './auth/auth.guard.js';
import { apiError } from './http/api-error.js';

/** JSON Schemas of the public events. Public like the OpenAPI document: they describe the API, not the registry's data. */
@Controller('v1/schemas')
export class SchemasController {
  @Get()
  @Public()
  list() {
    return {
      schemas: PUBLIC_EVENT_TYPES.map((t) => ({
        type: t,
        cloud_event_type: cloudEventType(t),
        description: publicEventDescription(t),
        nats_subject: `${PUBLIC_SUBJECT_PREFIX}.${t}.<bucket>${isChannelEventType(t) ? '.<channel>' : ''}`,
        url: `/v1/schemas/${t}`,
      })),
    };
  }

  /** `channel.assigned` or its CloudEvents type `gilt.channel.assigned`. */
  @Get(':type')
  @Public()
  @Header('content-type', 'application/schema+json')
  get(@Param('type') type: string) {
    const t = publicTypeOf(type);
    if (!t) throw apiError(ErrorCodes.notFound, `no public event type ${JSON.stringify(type)}; GET /v1/schemas lists them`, { type });
    return publicEventSchema(t);
  }
}
