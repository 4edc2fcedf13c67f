/** Settings every service reads from its environment; `npm start` and the test harness set them. */
export interface ServiceConfig {
  natsUrl: string;
  redisUrl: string;
  /** Log stream name; tests may isolate themselves with their own. */
  logStream: string | undefined;
  /** GILT_JETSTREAM_REPLICAS: copies of each stream Gilt creates; 3 on the cluster in deploy/nats. */
  replicas: number;
}

export function serviceConfig(env: NodeJS.ProcessEnv = process.env): ServiceConfig {
  const natsUrl = env.GILT_NATS_URL;
  if (!natsUrl) throw new Error('GILT_NATS_URL is not set (npm start sets it; e.g. nats://127.0.0.1:4222)');
  const replicas = Number(env.GILT_JETSTREAM_REPLICAS ?? 1);
  if (!Number.isInteger(replicas) || replicas < 1 || replicas > 5) {
    throw new Error(`GILT_JETSTREAM_REPLICAS must be a whole number from 1 to 5 (JetStream's limit), got ${env.GILT_JETSTREAM_REPLICAS}`);
  }
  return { natsUrl, redisUrl: env.GILT_REDIS_URL ?? '', logStream: env.GILT_LOG_STREAM || undefined, replicas };
}
