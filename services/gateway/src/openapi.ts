/** The OpenAPI 3.1 document served at /v1/openapi.json. Kept beside the controllers it describes. */

const error = { $ref: '#/components/schemas/Error' };
const json = (schema: object) => ({ content: { 'application/json': { schema } } });
const errors = {
  '400': { description: 'Invalid input; `details.field` names the field', ...json(error) },
  '401': { description: 'Missing or invalid bearer token', ...json(error) },
  '403': { description: 'The token lacks the role', ...json(error) },
  '404': { description: 'Not found', ...json(error) },
  '409': { description: 'Conflict with current state', ...json(error) },
};
const ok = (description: string, schema: object = { type: 'object' }) => ({ '200': { description, ...json(schema) }, ...errors });
const p = (name: string, description: string) => ({ name, in: 'path', required: true, description, schema: { type: 'string' } });
const q = (name: string, description: string, schema: object = { type: 'string' }) => ({ name, in: 'query', required: false, description, schema });
const page = [q('page_size', 'Items per page (1–500, default 50)', { type: 'integer' }), q('page_token', 'next_page_token of the previous page')];
/** Every read takes it (docs/history.md); the answer then carries `as_of: {position, time}`. */
const asOf = q('as_of', 'Answer as the registry was at an RFC 3339 time (with a zone) or a log position; the answer then has as_of: {position, time}');
const bucket = p('bucket', 'Bucket name');
const version = p('version', 'Version id (ULID), fingerprint or name (v3)');
const channel = p('channel', 'Channel name');
const body = (schema: object) => ({ required: true, ...json(schema) });
const write = { security: [{ bearer: [] }] };

export const openApiDocument = {
  openapi: '3.1.0',
  info: {
    title: 'Gilt',
    version: '1',
    description: 'Self-hosted registry of golden-image metadata. Reads need a viewer token, writes a contributor token. Every write accepts an Idempotency-Key header.',
  },
  components: {
    securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
    schemas: {
      Error: {
        type: 'object',
        required: ['code', 'message', 'details'],
        properties: { code: { type: 'string' }, message: { type: 'string' }, details: { type: 'object' } },
      },
      Artifact: { type: 'object', properties: { external_id: { type: 'string' }, region: { type: 'string' } } },
      Build: {
        type: 'object',
        properties: {
          id: { type: 'string' },
          name: { type: 'string' },
          builder_type: { type: 'string' },
          platform: { type: 'string' },
          status: { enum: ['DONE', 'FAILED'] },
          artifacts: { type: 'array', items: { $ref: '#/components/schemas/Artifact' } },
          labels: { type: 'object', additionalProperties: { type: 'string' } },
          source_external_id: { type: ['string', 'null'] },
        },
      },
      Version: {
        type: 'object',
        properties: {
          id: { type: 'string' },
          bucket: { type: 'string' },
          fingerprint: { type: 'string' },
          name: { type: 'string', description: 'v0 until complete, then v1, v2, …' },
          status: { enum: ['RUNNING', 'ACTIVE', 'FAILED', 'REVOCATION_SCHEDULED', 'REVOKED'] },
          builds: { type: 'array', items: { $ref: '#/components/schemas/Build' } },
          channels: { type: 'array', items: { type: 'string' } },
        },
      },
      Bucket: {
        type: 'object',
        properties: {
          name: { type: 'string' },
          description: { type: 'string' },
          labels: { type: 'object', additionalProperties: { type: 'string' } },
          version_count: { type: 'integer' },
          latest_version: { type: ['object', 'null'] },
          platforms: { type: 'array', items: { type: 'string' } },
        },
      },
      Channel: {
        type: 'object',
        properties: {
          name: { type: 'string' },
          bucket: { type: 'string' },
          managed: { type: 'boolean' },
          restricted: { type: 'boolean' },
          version: { oneOf: [{ $ref: '#/components/schemas/Version' }, { type: 'null' }] },
        },
      },
      AncestryRelative: {
        type: 'object',
        properties: {
          bucket: { type: 'string' },
          version: { type: 'object', properties: { id: { type: 'string' }, name: { type: 'string' }, fingerprint: { type: 'string' }, status: { type: 'string' } } },
          depth: { type: 'integer', description: '1: direct parent or child' },
          via: { type: 'string', description: 'Id of the version this one was reached from' },
          status: { $ref: '#/components/schemas/AncestryStatus' },
          channel: { type: ['object', 'null'], description: 'The parent channel recorded on the build (bucket:channel parent)' },
          channel_version: { type: ['object', 'null'], description: 'What that channel, or latest when none was recorded, serves now' },
          builds: { type: 'array', description: "The child's builds that link the two versions, each with its own status", items: { type: 'object' } },
        },
      },
      AncestryStatus: { enum: ['UP_TO_DATE', 'OUT_OF_DATE', 'UNDETERMINED'] },
      Ancestry: {
        type: 'object',
        properties: {
          version: { type: 'object' },
          status: { oneOf: [{ $ref: '#/components/schemas/AncestryStatus' }, { type: 'null' }], description: 'Worst status against the direct parents; null without parents' },
          parents: { type: 'array', items: { $ref: '#/components/schemas/AncestryRelative' } },
          children: { type: 'array', items: { $ref: '#/components/schemas/AncestryRelative' } },
          position: { type: 'integer', description: 'Log position the answer reflects' },
        },
      },
      Pagination: { type: 'object', properties: { next_page_token: { type: ['string', 'null'] }, total: { type: 'integer' } } },
    },
  },
  security: [{ bearer: [] }],
  paths: {
    '/healthz': { get: { summary: 'NATS and Redis reachable', security: [], responses: { '200': { description: 'healthy' }, '503': { description: 'a dependency is down' } } } },
    '/v1/openapi.json': { get: { summary: 'This document', security: [], responses: { '200': { description: 'OpenAPI 3.1' } } } },
    '/v1/buckets': {
      get: { summary: 'List buckets', parameters: [...page, asOf], responses: ok('Buckets', { type: 'object', properties: { buckets: { type: 'array', items: { $ref: '#/components/schemas/Bucket' } }, pagination: { $ref: '#/components/schemas/Pagination' } } }) },
      post: {
        summary: 'Create a bucket',
        ...write,
        requestBody: body({ type: 'object', required: ['name'], properties: { name: { type: 'string' }, description: { type: 'string' }, labels: { type: 'object' } } }),
        responses: { '201': { description: 'Created', ...json({ type: 'object' }) }, ...errors },
      },
    },
    '/v1/buckets/{bucket}': {
      get: { summary: 'Get a bucket', parameters: [bucket, asOf], responses: ok('Bucket') },
      patch: { summary: 'Update description and labels', parameters: [bucket], requestBody: body({ type: 'object' }), responses: ok('Bucket') },
      delete: { summary: 'Delete a bucket (admin)', parameters: [bucket], responses: ok('Deleted') },
    },
    '/v1/buckets/{bucket}/publish': {
      post: {
        summary: 'Publish a Packer manifest (what `gilt publish` sends)',
        parameters: [bucket],
        requestBody: body({
          type: 'object',
          required: ['manifest'],
          properties: {
            manifest: { type: 'object', description: 'The manifest post-processor output, as written by Packer' },
            fingerprint: { type: 'string', description: 'Default: the run UUID' },
            expected_builds: { type: 'array', items: { type: 'string' } },
            run_uuid: { type: 'string' },
            all_runs: { type: 'boolean' },
            build_name: { type: 'string', description: 'PACKER_BUILD_NAME: publish just this build' },
            builder_type: { type: 'string', description: 'PACKER_BUILDER_TYPE' },
            parent: { type: 'string', description: 'Source image external id, or bucket:channel (overrides custom_data.source_image_id)' },
            allow_revoked_parent: { type: 'boolean', description: 'Publish even if a parent is revoked (else 409 naming it)' },
          },
        }),
        responses: { '201': { description: 'Something was written', ...json({ type: 'object' }) }, ...ok('Nothing changed (already published)') },
      },
    },
    '/v1/buckets/{bucket}/versions': {
      get: { summary: 'List versions, newest first', parameters: [bucket, q('status', 'RUNNING | ACTIVE | FAILED | REVOCATION_SCHEDULED | REVOKED'), ...page, asOf], responses: ok('Versions') },
      post: { summary: 'Start a version by fingerprint (idempotent)', parameters: [bucket], requestBody: body({ type: 'object', required: ['fingerprint'] }), responses: ok('Version') },
    },
    '/v1/buckets/{bucket}/versions/{version}': {
      get: { summary: 'Get a version with its builds', parameters: [bucket, version, asOf], responses: ok('Version', { type: 'object', properties: { version: { $ref: '#/components/schemas/Version' } } }) },
      delete: { summary: 'Delete a version (409 while a channel points at it)', parameters: [bucket, version], responses: ok('Deleted') },
    },
    '/v1/buckets/{bucket}/versions/{version}/complete': { post: { summary: 'Complete a version whose builds are all done', parameters: [bucket, version], responses: ok('Version') } },
    '/v1/buckets/{bucket}/versions/{version}/builds': {
      get: { summary: 'List builds', parameters: [bucket, version, q('status', 'DONE | FAILED'), ...page, asOf], responses: ok('Builds') },
      post: { summary: 'Record builds', parameters: [bucket, version], requestBody: body({ type: 'object', required: ['builds'] }), responses: ok('Version') },
    },
    '/v1/buckets/{bucket}/versions/{version}/ancestry': {
      get: {
        summary: 'Parents and children across buckets, each with UP_TO_DATE, OUT_OF_DATE or UNDETERMINED (see docs/ancestry.md)',
        parameters: [
          bucket,
          version,
          q('direction', 'parents | children | both (default)', { enum: ['parents', 'children', 'both'] }),
          q('depth', '1 (default): direct relatives only; up to 10', { type: 'integer', minimum: 1, maximum: 10 }),
          asOf,
        ],
        responses: { ...ok('The version, its worst status against its direct parents, and its relatives', { $ref: '#/components/schemas/Ancestry' }), '503': { description: 'The ancestry service is not running', ...json(error) } },
      },
    },
    '/v1/buckets/{bucket}/versions/{version}/builds/{build}': { get: { summary: 'Get a build', parameters: [bucket, version, p('build', 'Build id'), asOf], responses: ok('Build') } },
    '/v1/buckets/{bucket}/versions/{version}/revoke': {
      post: {
        summary:
          'Revoke now, or schedule with revoke_at / revoke_in (one of them). Descendants in every bucket inherit it unless skip_descendants; channels on a revoked version roll back unless disable_rollback, and one left empty says so (empty: true). Up to 2,000 versions the answer comes when the whole cascade is written (200); larger cascades answer after the root (202) and GET /v1/revocations/{version_id} shows progress.',
        parameters: [bucket, version, q('dry_run', 'true: answer with every version and channel it would affect, write nothing', { type: 'boolean' })],
        requestBody: body({
          type: 'object',
          required: ['reason'],
          properties: {
            reason: { type: 'string' },
            revoke_at: { type: 'string', format: 'date-time', description: 'RFC 3339; in the future: scheduled' },
            revoke_in: { type: 'string', description: 'Duration in d h m s, e.g. 72h, 2h45m, 30d; 0s: now' },
            skip_descendants: { type: 'boolean' },
            disable_rollback: { type: 'boolean' },
          },
        }),
        responses: {
          ...ok('The revocation, the versions it covers (root first, with depth, type MANUAL | INHERITED and the version each was reached from) and the channel rollbacks {bucket, channel, from, to, empty, managed}'),
          '202': { description: 'Root revoked; the descendants follow in the background (cascade.pending)', ...json({ type: 'object' }) },
        },
      },
    },
    '/v1/buckets/{bucket}/versions/{version}/revoke/cancel': {
      post: { summary: 'Cancel a scheduled revocation and the schedules its descendants inherited', parameters: [bucket, version], requestBody: { required: false, ...json({ type: 'object', properties: { reason: { type: 'string' } } }) }, responses: ok('Version status') },
    },
    '/v1/buckets/{bucket}/versions/{version}/restore': {
      post: {
        summary: 'Restore a revoked (or scheduled) version; descendants too with descendants: true. Channels are not moved back: rolled_back_channels lists those that rolled back away from it',
        parameters: [bucket, version],
        requestBody: { required: false, ...json({ type: 'object', properties: { descendants: { type: 'boolean' }, reason: { type: 'string' } } }) },
        responses: ok('Restored versions and the channels left where they are'),
      },
    },
    '/v1/revocations/{version_id}': {
      get: { summary: "Progress of a revocation's cascade: descendants done and pending, channels still waiting to roll back", parameters: [p('version_id', 'Version id (ULID) of the revoked root'), asOf], responses: ok('Revocation and cascade progress') },
    },
    '/v1/artifacts': { get: { summary: 'Find the versions owning an external artifact id', parameters: [q('external_id', 'e.g. ami-0123…'), q('platform', 'aws, azure, gce, …'), q('region', 'e.g. us-east-1'), ...page, asOf], responses: ok('Artifacts') } },
    '/v1/_search/external_artifact': { post: { summary: 'HCP Packer-compatible artifact search', parameters: [asOf], requestBody: body({ type: 'object', required: ['external_identifier'] }), responses: ok('Artifacts') } },
    '/v1/buckets/{bucket}/channels': {
      get: { summary: 'List channels', parameters: [bucket, asOf], responses: ok('Channels') },
      post: { summary: 'Create a channel', parameters: [bucket], requestBody: body({ type: 'object', required: ['name'] }), responses: ok('Channel') },
    },
    '/v1/buckets/{bucket}/channels/{channel}': {
      get: { summary: 'Get a channel', parameters: [bucket, channel, asOf], responses: ok('Channel') },
      put: { summary: 'Assign a version (id, fingerprint or vN)', parameters: [bucket, channel], requestBody: body({ type: 'object', required: ['version'] }), responses: ok('Channel') },
      patch: { summary: 'Restrict or unrestrict (admin)', parameters: [bucket, channel], requestBody: body({ type: 'object', required: ['restricted'] }), responses: ok('Channel') },
      delete: { summary: 'Delete a channel (never latest)', parameters: [bucket, channel], responses: ok('Deleted') },
    },
    '/v1/buckets/{bucket}/channels/{channel}/unassign': { post: { summary: 'Leave the channel empty', parameters: [bucket, channel], responses: ok('Channel') } },
    '/v1/buckets/{bucket}/channels/{channel}/history': { get: { summary: 'Every change of the channel, newest first', parameters: [bucket, channel, ...page, asOf], responses: ok('History') } },
    '/v1/buckets/{bucket}/channels/{channel}/rollback': {
      post: { summary: 'Move back to the previous valid assignment (or to_version)', parameters: [bucket, channel], requestBody: { required: false, ...json({ type: 'object' }) }, responses: ok('Channel, and whether it is now empty') },
    },
    '/v1/buckets/{bucket}/channels/promote': {
      post: { summary: "Put one channel's version on another", parameters: [bucket], requestBody: body({ type: 'object', required: ['from', 'to'] }), responses: ok('Channel') },
    },
    '/v1/buckets/{bucket}/channels/{channel}/artifact': {
      get: {
        summary: 'Resolve: the artifact a channel serves for a platform and region (ETag / If-None-Match)',
        parameters: [bucket, channel, q('platform', 'aws, azure, gce, docker, …'), q('region', 'e.g. us-east-1'), q('build', 'build name, when several match'), asOf],
        responses: { ...ok('Artifact'), '304': { description: 'Not modified' } },
      },
    },
    '/v1/webhooks': {
      get: { summary: 'List webhooks (admin); secrets are never shown', responses: ok('Webhooks') },
      post: {
        summary: 'Register a webhook (admin): CloudEvents POSTed to url, signed X-Gilt-Signature: sha512=<hex HMAC-SHA512 of the body>',
        requestBody: body({
          type: 'object',
          required: ['url'],
          properties: {
            url: { type: 'string', format: 'uri' },
            events: { type: 'array', items: { type: 'string' }, description: 'Public event types (channel.assigned), <kind>.* or * (default)' },
            buckets: { type: 'array', items: { type: 'string' }, description: 'Only these buckets (default: all)' },
            secret: { type: 'string', minLength: 16, description: 'Omitted: one is made and answered once' },
            description: { type: 'string' },
          },
        }),
        responses: { '201': { description: 'Registered', ...json({ type: 'object' }) }, ...errors },
      },
    },
    '/v1/webhooks/{id}': {
      get: { summary: 'Get a webhook (admin)', parameters: [p('id', 'Webhook id')], responses: ok('Webhook') },
      delete: { summary: 'Delete a webhook (admin); pending deliveries are dropped', parameters: [p('id', 'Webhook id')], responses: ok('Deleted') },
    },
    '/v1/webhooks/{id}/deliveries': {
      get: { summary: 'Deliveries, newest first, each with its attempts (status code, duration, error)', parameters: [p('id', 'Webhook id'), ...page], responses: ok('Deliveries') },
    },
    '/v1/webhooks/{id}/deliveries/{delivery}/redeliver': {
      post: { summary: "Send a finished delivery's event again, as a new delivery", parameters: [p('id', 'Webhook id'), p('delivery', 'Delivery id')], responses: { '202': { description: 'Queued', ...json({ type: 'object' }) }, ...errors } },
    },
    '/v1/events/stream': {
      get: {
        summary: 'Public events as Server-Sent Events (id: CloudEvent id, event: type, data: CloudEvent JSON); resumes after Last-Event-ID',
        parameters: [
          q('type', 'Comma-separated public event types (channel.assigned)'),
          q('bucket', 'Only this bucket'),
          q('last_event_id', 'Resume after this event id (or send the Last-Event-ID header)'),
          { name: 'Last-Event-ID', in: 'header', required: false, schema: { type: 'string' } },
        ],
        responses: { '200': { description: 'text/event-stream', content: { 'text/event-stream': { schema: { type: 'string' } } } }, ...errors },
      },
    },
    '/v1/events': {
      get: {
        summary: 'The event log, event by event, oldest first (order=desc: newest first); each with position, index, type, stream, actor, occurred_at, command and correlation ids, a summary in words, and the event itself',
        parameters: [
          q('bucket', 'Only this bucket'),
          q('channel', 'Only this channel (needs bucket)'),
          q('version', 'Only events naming this version: an id, or with bucket a name or fingerprint'),
          q('type', 'Comma-separated event types (ChannelAssigned,VersionRevoked)'),
          q('actor', 'Only commits by this actor'),
          q('since', 'RFC 3339: only events at or after'),
          q('until', 'RFC 3339: only events at or before'),
          q('from_position', 'Only from this log position on', { type: 'integer' }),
          q('to_position', 'Only up to this log position', { type: 'integer' }),
          q('order', 'asc (default) or desc', { enum: ['asc', 'desc'] }),
          ...page,
          asOf,
        ],
        responses: ok('Events, and pagination {next_page_token, head}'),
      },
    },
    '/v1/events/export': {
      get: {
        summary: 'The whole log (admin), one stored commit per line (JSON lines, in order: position, stream, events, meta, prev_hash, hash); header x-gilt-export-head is the last position',
        parameters: [asOf],
        responses: { '200': { description: 'application/x-ndjson', content: { 'application/x-ndjson': { schema: { type: 'string' } } } }, ...errors },
      },
    },
    '/v1/events/import': {
      post: {
        summary:
          'Write exported commits (admin), in order, with their positions, meta and hashes. The log must be empty or hold exactly the commits the file starts with (a retried or resumed import); each batch is checked against the hash chain before anything is written. Up to 2,000 commits per request.',
        requestBody: body({ type: 'object', required: ['commits'], properties: { commits: { type: 'array', items: { type: 'object' } } } }),
        responses: ok('{imported, skipped, head}'),
      },
    },
    '/v1/verify': {
      get: { summary: 'Walk the whole log (admin): positions without gaps, every hash chain intact; names the first edited, missing or reordered commit', parameters: [asOf], responses: ok('{ok, commits, streams, head, problem: {position, stream, kind, message} | null}') },
    },
    '/v1/admin/rebuild': {
      post: { summary: 'Rebuild every projection (gateway and every service replica) from the log (admin); follow it with GET', responses: { '202': { description: 'The rebuild job', ...json({ type: 'object' }) }, ...errors } },
    },
    '/v1/admin/rebuild/{id}': {
      get: { summary: 'A rebuild: state, and per replica commits, events, seconds and events/s', parameters: [p('id', 'Rebuild id')], responses: ok('The rebuild job') },
    },
    '/v1/buckets/{bucket}/versions/{version}/incident': {
      get: {
        summary: 'Incident report of a version in Markdown: built when and from what, parents, descendants, every channel it was in and when, revocation, rollbacks, descendants affected, timeline. JSON {incident: {markdown}} when only application/json is accepted.',
        parameters: [bucket, version, asOf],
        responses: { '200': { description: 'text/markdown', content: { 'text/markdown': { schema: { type: 'string' } }, 'application/json': { schema: { type: 'object' } } } }, ...errors },
      },
    },
    '/v1/schemas': { get: { summary: 'The public event types, their NATS subjects and schema URLs', security: [], responses: ok('Schemas') } },
    '/v1/schemas/{type}': {
      get: { summary: 'JSON Schema of one public event type', security: [], parameters: [p('type', 'e.g. channel.assigned')], responses: { '200': { description: 'JSON Schema (draft 2020-12)', content: { 'application/schema+json': { schema: { type: 'object' } } } }, '404': errors['404'] } },
    },
  },
};
