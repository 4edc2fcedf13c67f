import {
  isWebhookEvent,
  publicTypeOf,
  type CloudEvent,
  type DeliveryAttemptView,
  type DeliveryView,
  type SealedSecret,
  type StoredCommit,
  type WebhookView,
} from '@gilt/contracts';

export interface WebhookState extends WebhookView {
  secret: SealedSecret;
  deleted: boolean;
  deliveries: Map<string, Delivery>;
  /** In creation order, for newest-first pages. */
  order: Delivery[];
  /** Redeliveries asked for, per event: numbers the next one. */
  redeliveries: Map<string, number>;
  /** Log position of the registration: finds the webhook a retried command created. */
  position: number;
}

export interface Delivery {
  webhook_id: string;
  id: string;
  seq: number;
  event_id: string;
  event_type: string;
  created_at: string;
  redelivery_of: string | null;
  attempts: DeliveryAttemptView[];
  final: boolean;
  ok: boolean;
}

/** Does a webhook's filter take this public event? Types are exact, `<kind>.*` or `*`; no buckets means all. */
export function matches(w: Pick<WebhookView, 'events' | 'buckets'>, e: CloudEvent): boolean {
  const type = publicTypeOf(e.type);
  if (!type) return false;
  const typeOk = w.events.some((f) => f === '*' || f === type || (f.endsWith('.*') && type.startsWith(f.slice(0, -1))));
  return typeOk && (w.buckets.length === 0 || w.buckets.includes(e.data.bucket.name));
}

/**
 * Webhooks and their deliveries, projected from the log. A delivery exists for every public event
 * a webhook's filter takes from its registration on, and for every redelivery asked for; it is
 * pending until an attempt succeeds or the last one fails. Pending deliveries are what the
 * notifier (re)queues at start, so Redis holds nothing the log could not rebuild.
 */
export class WebhookRegistry {
  private readonly hooks = new Map<string, WebhookState>();
  private readonly pending = new Map<string, Set<Delivery>>();
  private seq = 0;

  /** Applies one commit with the public events it stands for; returns the deliveries it created. */
  apply(commit: StoredCommit, events: CloudEvent[]): Delivery[] {
    const created: Delivery[] = [];
    for (const e of commit.events) {
      if (!isWebhookEvent(e)) continue;
      switch (e.type) {
        case 'WebhookRegistered':
          this.hooks.set(e.webhook_id, {
            id: e.webhook_id,
            url: e.url,
            events: e.events,
            buckets: e.buckets,
            description: e.description,
            secret: e.secret,
            created_at: commit.meta.occurred_at,
            created_by: commit.meta.actor,
            deleted: false,
            deliveries: new Map(),
            order: [],
            redeliveries: new Map(),
            position: commit.position,
          });
          break;
        case 'WebhookDeleted': {
          const w = this.hooks.get(e.webhook_id);
          if (!w) break;
          w.deleted = true;
          for (const d of w.order) this.settle(d);
          break;
        }
        case 'WebhookDeliveryAttempted': {
          const d = this.hooks.get(e.webhook_id)?.deliveries.get(e.delivery_id);
          // An attempt recorded twice (a retried append) counts once.
          if (!d || e.attempt <= d.attempts.length) break;
          d.attempts.push({ attempt: e.attempt, at: e.at, status_code: e.status_code, duration_ms: e.duration_ms, error: e.error });
          if (e.final) {
            d.final = true;
            d.ok = e.ok;
            this.settle(d);
          }
          break;
        }
        case 'WebhookRedeliveryRequested': {
          const w = this.hooks.get(e.webhook_id);
          const original = w?.deliveries.get(e.redelivery_of);
          if (!w || w.deleted || !original) break;
          w.redeliveries.set(e.event_id, (w.redeliveries.get(e.event_id) ?? 0) + 1);
          created.push(this.add(w, e.delivery_id, e.event_id, original.event_type, commit.meta.occurred_at, e.redelivery_of));
          break;
        }
      }
    }
    for (const ev of events) {
      for (const w of this.hooks.values()) if (!w.deleted && matches(w, ev)) created.push(this.add(w, ev.id, ev.id, publicTypeOf(ev.type)!, ev.time, null));
    }
    return created;
  }

  private add(w: WebhookState, id: string, eventId: string, eventType: string, at: string, redeliveryOf: string | null): Delivery {
    const d: Delivery = { webhook_id: w.id, id, seq: ++this.seq, event_id: eventId, event_type: eventType, created_at: at, redelivery_of: redeliveryOf, attempts: [], final: false, ok: false };
    w.deliveries.set(id, d);
    w.order.push(d);
    const set = this.pending.get(eventId) ?? new Set();
    set.add(d);
    this.pending.set(eventId, set);
    return d;
  }

  private settle(d: Delivery): void {
    const set = this.pending.get(d.event_id);
    set?.delete(d);
    if (set?.size === 0) this.pending.delete(d.event_id);
  }

  webhook(id: string): WebhookState | undefined {
    const w = this.hooks.get(id);
    return w && !w.deleted ? w : undefined;
  }

  /** The id the next redelivery of an event to a webhook gets: `<event id>-r<n>`. */
  nextRedeliveryId(w: WebhookState, eventId: string): string {
    return `${eventId}-r${(w.redeliveries.get(eventId) ?? 0) + 1}`;
  }

  registeredAt(position: number): WebhookState | undefined {
    return [...this.hooks.values()].find((w) => w.position === position);
  }

  webhooks(): WebhookState[] {
    return [...this.hooks.values()].filter((w) => !w.deleted);
  }

  delivery(webhookId: string, deliveryId: string): Delivery | undefined {
    return this.webhook(webhookId)?.deliveries.get(deliveryId);
  }

  /** Deliveries still to be made for one public event. */
  pendingFor(eventId: string): Delivery[] {
    return [...(this.pending.get(eventId) ?? [])];
  }

  allPending(): Delivery[] {
    return [...this.pending.values()].flatMap((s) => [...s]);
  }

  /** Newest first, older than the `before` cursor. */
  deliveries(webhookId: string, before: number | null, limit: number): { items: Delivery[]; total: number } {
    const order = this.webhook(webhookId)?.order ?? [];
    let end = order.length;
    if (before !== null) while (end > 0 && order[end - 1]!.seq >= before) end--;
    return { items: order.slice(Math.max(0, end - limit), end).reverse(), total: order.length };
  }
}

export function viewOfWebhook(w: WebhookState): WebhookView {
  return { id: w.id, url: w.url, events: w.events, buckets: w.buckets, description: w.description, created_at: w.created_at, created_by: w.created_by };
}

export function viewOfDelivery(d: Delivery): DeliveryView {
  return {
    id: d.id,
    seq: d.seq,
    event_id: d.event_id,
    event_type: d.event_type,
    status: d.final ? (d.ok ? 'delivered' : 'failed') : 'pending',
    redelivery_of: d.redelivery_of,
    created_at: d.created_at,
    attempts: d.attempts,
  };
}
