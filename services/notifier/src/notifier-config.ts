import { PUBLIC_EVENT_SOURCE } from '@gilt/contracts';
import { serviceConfig, type ServiceConfig } from '@gilt/service-kit';

export interface NotifierConfig extends ServiceConfig {
  /** CloudEvents `source` of every public event. */
  eventSource: string;
  /** HTTP attempts per webhook delivery before it is given up as failed. */
  webhookAttempts: number;
  /** First retry delay; each next one doubles (BullMQ exponential backoff). */
  webhookBackoffMs: number;
  webhookTimeoutMs: number;
  /** Base64 of 32 bytes sealing webhook secrets; unset: a key Gilt creates once and keeps in NATS (GILT_SECRETS). */
  webhookKey: string | undefined;
}

function positiveInt(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a whole number of at least 1, got ${raw}`);
  return n;
}

export function notifierConfig(env: NodeJS.ProcessEnv = process.env): NotifierConfig {
  const base = serviceConfig(env);
  if (!base.redisUrl) throw new Error('GILT_REDIS_URL is not set: webhook deliveries are queued in Redis (npm start sets it)');
  return {
    ...base,
    eventSource: env.GILT_EVENT_SOURCE || PUBLIC_EVENT_SOURCE,
    // 8 attempts 5 s apart, doubling: the last one ~10 min after the first, long enough to ride out a receiver's redeploy.
    webhookAttempts: positiveInt(env, 'GILT_WEBHOOK_ATTEMPTS', 8),
    webhookBackoffMs: positiveInt(env, 'GILT_WEBHOOK_BACKOFF_MS', 5000),
    webhookTimeoutMs: positiveInt(env, 'GILT_WEBHOOK_TIMEOUT_MS', 10_000),
    webhookKey: env.GILT_WEBHOOK_KEY || undefined,
  };
}
