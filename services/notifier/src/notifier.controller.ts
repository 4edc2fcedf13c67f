import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  Commands,
  DomainError,
  ErrorCodes,
  Queries,
  webhookStream,
  type CommandEnvelope,
  type CommandResult,
  type DeleteWebhookPayload,
  type DomainEvent,
  type ListDeliveriesQuery,
  type RedeliverPayload,
  type RegisterWebhookPayload,
} from '@gilt/contracts';
import { commitMeta, newId, toRpcException } from '@gilt/service-kit';
import { Notifier } from './notifier.js';
import { viewOfDelivery, viewOfWebhook, type WebhookState } from './webhook-registry.js';
import { checkRegistration } from './webhook-rules.js';

const MAX_PAGE = 500;

/** Webhook commands and queries over NATS; the gateway is the usual caller, admins only. */
@Controller()
export class NotifierController {
  constructor(@Inject(Notifier) private readonly notifier: Notifier) {}

  private get registry() {
    return this.notifier.registry;
  }

  private webhook(id: unknown): WebhookState {
    const w = typeof id === 'string' ? this.registry.webhook(id) : undefined;
    if (!w) throw new DomainError(ErrorCodes.notFound, `webhook ${String(id)} not found`, { webhook: id });
    return w;
  }

  private async append(env: CommandEnvelope<unknown>, stream: string, decide: () => DomainEvent[]) {
    return this.notifier.runner.run(stream, commitMeta(env), () => ({ events: decide(), result: null }), null);
  }

  @MessagePattern(Commands.notifier.registerWebhook)
  async register(@Payload() env: CommandEnvelope<RegisterWebhookPayload>): Promise<CommandResult> {
    try {
      const p = checkRegistration(env.payload ?? {});
      const id = newId();
      const sealed = this.notifier.secrets.seal(p.secret);
      const out = await this.append(env, webhookStream(id), () => [
        { type: 'WebhookRegistered', webhook_id: id, url: p.url, events: p.events, buckets: p.buckets, description: p.description, secret: sealed },
      ]);
      // A retried request (same command id) created its webhook the first time: answer with that one.
      const w = out.duplicate ? this.registry.registeredAt(out.position) : this.registry.webhook(id);
      if (!w) throw new DomainError(ErrorCodes.conflict, 'this request was applied before, and its webhook has been deleted since', {});
      return {
        position: out.position,
        changed: out.changed,
        message: out.duplicate ? 'already applied (retried request)' : 'webhook registered',
        data: { webhook: viewOfWebhook(w), secret: p.generated && !out.duplicate ? p.secret : null },
      };
    } catch (err) {
      throw toRpcException(err);
    }
  }

  @MessagePattern(Commands.notifier.deleteWebhook)
  async remove(@Payload() env: CommandEnvelope<DeleteWebhookPayload>): Promise<CommandResult> {
    try {
      const w = this.webhook(env.payload?.webhook_id);
      // Decided again under the stream's lock: of two deletes at once, one writes.
      const out = await this.append(env, webhookStream(w.id), () => (w.deleted ? [] : [{ type: 'WebhookDeleted', webhook_id: w.id }]));
      return { position: out.position, changed: out.changed, message: out.changed ? 'webhook deleted; its pending deliveries are dropped' : 'already deleted', data: {} };
    } catch (err) {
      throw toRpcException(err);
    }
  }

  @MessagePattern(Commands.notifier.redeliver)
  async redeliver(@Payload() env: CommandEnvelope<RedeliverPayload>): Promise<CommandResult> {
    try {
      const { webhook_id, delivery_id } = env.payload ?? ({} as RedeliverPayload);
      const w = this.webhook(webhook_id);
      let redeliveryId = '';
      const out = await this.append(env, webhookStream(w.id), () => {
        const d = w.deliveries.get(delivery_id);
        if (!d) throw new DomainError(ErrorCodes.notFound, `delivery ${delivery_id} of webhook ${w.id} not found`, { delivery: delivery_id });
        if (!d.final) {
          throw new DomainError(ErrorCodes.conflict, `delivery ${d.id} is still being attempted (${d.attempts.length} attempt(s) so far); ask again once it is done`, { delivery: d.id });
        }
        redeliveryId = this.registry.nextRedeliveryId(w, d.event_id);
        return [{ type: 'WebhookRedeliveryRequested', webhook_id: w.id, delivery_id: redeliveryId, event_id: d.event_id, redelivery_of: d.id }];
      });
      const created = out.duplicate ? undefined : w.deliveries.get(redeliveryId);
      return {
        position: out.position,
        changed: out.changed,
        message: out.duplicate ? 'already applied (retried request)' : `redelivery ${redeliveryId} queued`,
        data: { delivery: created ? viewOfDelivery(created) : null },
      };
    } catch (err) {
      throw toRpcException(err);
    }
  }

  @MessagePattern(Queries.notifier.listWebhooks)
  list() {
    return { webhooks: this.registry.webhooks().map(viewOfWebhook) };
  }

  @MessagePattern(Queries.notifier.getWebhook)
  get(@Payload() q: { webhook_id: string }) {
    try {
      return { webhook: viewOfWebhook(this.webhook(q?.webhook_id)) };
    } catch (err) {
      throw toRpcException(err);
    }
  }

  @MessagePattern(Queries.notifier.listDeliveries)
  deliveries(@Payload() q: ListDeliveriesQuery) {
    try {
      const w = this.webhook(q?.webhook_id);
      const limit = Math.min(Math.max(1, Number(q.limit) || 50), MAX_PAGE);
      const page = this.registry.deliveries(w.id, typeof q.before === 'number' ? q.before : null, limit);
      const last = page.items[page.items.length - 1];
      const more = last !== undefined && w.order[0] !== undefined && last.seq > w.order[0].seq;
      return { deliveries: page.items.map(viewOfDelivery), next_before: more ? last.seq : null, total: page.total };
    } catch (err) {
      throw toRpcException(err);
    }
  }

  @MessagePattern(Queries.notifier.health)
  health() {
    const { projection, publisher } = this.notifier;
    return { ok: true, position: projection.position, last_published: publisher.lastPublished, backlog: publisher.backlog };
  }
}
