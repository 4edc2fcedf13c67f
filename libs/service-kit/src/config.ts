/** Settings every service reads from its environment; `npm start` and the test harness set them. */
export interface ServiceConfig {
  natsUrl: string;
  redisUrl: string;
  /** Log stream name; tests may isolate themselves with their own. */
  logStream: string | undefined;
}

export function serviceConfig(env: NodeJS.ProcessEnv = process.env): ServiceConfig {
  const natsUrl = env.GILT_NATS_URL;
  if (!natsUrl) throw new Error('GILT_NATS_URL is not set (npm start sets it; e.g. nats://127.0.0.1:4222)');
  return { natsUrl, redisUrl: env.GILT_REDIS_URL ?? '', logStream: env.GILT_LOG_STREAM || undefined };
}
