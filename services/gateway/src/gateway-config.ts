import { serviceConfig, type ServiceConfig } from '@gilt/service-kit';

export interface GatewayConfig extends ServiceConfig {
  host: string;
  port: number;
  /** JSON file of bearer tokens (hashes only); watched, so new tokens work without a restart. */
  tokensFile: string;
  bodyLimit: number;
}

export const MAX_BODY_BYTES = 1024 * 1024;

export function gatewayConfig(env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  const tokensFile = env.GILT_TOKENS_FILE;
  if (!tokensFile) throw new Error('GILT_TOKENS_FILE is not set (npm start creates .gilt/tokens.json)');
  const port = Number(env.GILT_PORT ?? 8080);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`GILT_PORT must be a port number, got ${env.GILT_PORT}`);
  return { ...serviceConfig(env), host: env.GILT_HOST ?? '127.0.0.1', port, tokensFile, bodyLimit: MAX_BODY_BYTES };
}
