import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  Commands,
  ErrorCodes,
  Queries,
  type DeleteWebhookPayload,
  type DeliveryView,
  type ListDeliveriesQuery,
  type RedeliverPayload,
  type RegisterWebhookPayload,
  type WebhookView,
} from '@gilt/contracts';
import { RequireRole } from './auth/auth.guard.js';
import { CommandBus, type CommandOrigin } from './command-bus.js';
import { apiError } from './http/api-error.js';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from './http/pagination.js';
import { Origin } from './http/request-origin.js';
import { RegisterWebhookDto } from './http/webhook-dto.js';

/** Delivery pages are cut by a cursor (the newest deliveries keep coming), not an offset. */
const encodeCursor = (seq: number) => Buffer.from(`d:${seq}`).toString('base64url');
function decodeCursor(token: string | undefined): number | null {
  if (token === undefined || token === '') return null;
  const m = /^d:([1-9][0-9]{0,15})$/.exec(Buffer.from(token, 'base64url').toString());
  if (!m) throw apiError(ErrorCodes.validation, 'page_token is not a token this server issued', { field: 'page_token' });
  return Number(m[1]);
}
function pageSize(raw: string | undefined): number {
  if (raw === undefined || raw === '') return DEFAULT_PAGE_SIZE;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > MAX_PAGE_SIZE) throw apiError(ErrorCodes.validation, `page_size must be a whole number from 1 to ${MAX_PAGE_SIZE}`, { field: 'page_size' });
  return n;
}

/** Webhooks are admin business: they send registry events to any URL. The notifier owns them. */
@Controller('v1/webhooks')
@RequireRole('admin')
export class WebhooksController {
  constructor(private readonly bus: CommandBus) {}

  @Post()
  async register(@Body() dto: RegisterWebhookDto, @Origin() origin: CommandOrigin) {
    const r = await this.bus.send<RegisterWebhookPayload, { webhook: WebhookView; secret: string | null }>(
      Commands.notifier.registerWebhook,
      { url: dto.url, events: dto.events ?? ['*'], buckets: dto.buckets ?? [], description: dto.description ?? '', secret: dto.secret ?? null },
      origin,
    );
    return { webhook: r.data.webhook, ...(r.data.secret ? { secret: r.data.secret } : {}), message: r.message };
  }

  @Get()
  list(@Query() q: Record<string, string>) {
    refuseAsOf(q);
    return this.bus.query<Record<string, never>, { webhooks: WebhookView[] }>(Queries.notifier.listWebhooks, {});
  }

  @Get(':id')
  get(@Param('id') id: string, @Query() q: Record<string, string>) {
    refuseAsOf(q);
    return this.bus.query<{ webhook_id: string }, { webhook: WebhookView }>(Queries.notifier.getWebhook, { webhook_id: id });
  }

  @Delete(':id')
  @HttpCode(200)
  async remove(@Param('id') id: string, @Origin() origin: CommandOrigin) {
    const r = await this.bus.send<DeleteWebhookPayload>(Commands.notifier.deleteWebhook, { webhook_id: id }, origin);
    return { deleted: true, message: r.message };
  }

  @Get(':id/deliveries')
  async deliveries(@Param('id') id: string, @Query() q: Record<string, string>) {
    refuseAsOf(q);
    const r = await this.bus.query<ListDeliveriesQuery, { deliveries: DeliveryView[]; next_before: number | null; total: number }>(Queries.notifier.listDeliveries, {
      webhook_id: id,
      before: decodeCursor(q.page_token),
      limit: pageSize(q.page_size),
    });
    return { deliveries: r.deliveries, pagination: { next_page_token: r.next_before === null ? null : encodeCursor(r.next_before), total: r.total } };
  }

  @Post(':id/deliveries/:delivery/redeliver')
  @HttpCode(202)
  async redeliver(@Param('id') id: string, @Param('delivery') delivery: string, @Origin() origin: CommandOrigin) {
    const r = await this.bus.send<RedeliverPayload, { delivery: DeliveryView | null }>(Commands.notifier.redeliver, { webhook_id: id, delivery_id: delivery }, origin);
    return { delivery: r.data.delivery, message: r.message };
  }
}

/** Webhook settings and deliveries are answered by the notifier as they are now; a past moment is refused, not ignored. */
function refuseAsOf(q: Record<string, string>) {
  if (q.as_of !== undefined) throw apiError(ErrorCodes.validation, 'as_of is not supported on webhook reads: they show the current registrations and deliveries', { field: 'as_of' });
}
