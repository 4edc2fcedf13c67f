import { createHmac } from 'node:crypto';

/** `X-Gilt-Signature`: `sha512=` and the hex HMAC-SHA512 of the exact body bytes, keyed with the webhook's secret. */
export const signatureOf = (body: string, secret: string) => `sha512=${createHmac('sha512', secret).update(body, 'utf8').digest('hex')}`;

export interface WebhookRequest {
  url: string;
  body: string;
  secret: string;
  eventId: string;
  eventType: string;
  deliveryId: string;
  webhookId: string;
  attempt: number;
  timeoutMs: number;
}

export interface AttemptOutcome {
  ok: boolean;
  status_code: number | null;
  duration_ms: number;
  error: string | null;
}

const MAX_ERROR_CHARS = 300;

/** One POST. Any 2xx is a success; redirects are not followed (the receiver's URL is what an admin registered). */
export async function sendWebhook(r: WebhookRequest): Promise<AttemptOutcome> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  try {
    const res = await fetch(r.url, {
      method: 'POST',
      redirect: 'manual',
      signal: AbortSignal.timeout(r.timeoutMs),
      headers: {
        'content-type': 'application/cloudevents+json',
        'user-agent': 'Gilt-Webhooks/1',
        'x-gilt-signature': signatureOf(r.body, r.secret),
        'x-gilt-event-id': r.eventId,
        'x-gilt-event-type': r.eventType,
        'x-gilt-delivery': r.deliveryId,
        'x-gilt-webhook-id': r.webhookId,
        'x-gilt-attempt': String(r.attempt),
        // Not covered by the signature (HCP Packer's format signs the body only); the body's `time` is.
        'x-gilt-timestamp': String(Math.floor(Date.now() / 1000)),
      },
      body: r.body,
    });
    // The answer's body is not used, and may be large: drop it.
    await res.body?.cancel().catch(() => undefined);
    const ok = res.status >= 200 && res.status < 300;
    return { ok, status_code: res.status, duration_ms: elapsed(), error: ok ? null : `HTTP ${res.status}` };
  } catch (err) {
    const e = err as Error & { cause?: { code?: string; message?: string } };
    const why = e.name === 'TimeoutError' ? `no answer within ${r.timeoutMs} ms` : (e.cause?.code ?? e.cause?.message ?? e.message);
    return { ok: false, status_code: null, duration_ms: elapsed(), error: String(why).slice(0, MAX_ERROR_CHARS) };
  }
}
