import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { gatewayConfig } from './gateway-config.js';
import { GatewayModule } from './gateway.module.js';
import { ErrorFilter } from './http/error.filter.js';
import { parseJsonBody } from './http/json-body.js';
import { validationPipe } from './http/validation.js';
import { TokenStore } from './auth/token-store.js';
import { registerResolveRoute } from './resolve.route.js';
import { ResolveService } from './resolve.service.js';

const config = gatewayConfig();
const adapter = new FastifyAdapter({ bodyLimit: config.bodyLimit });
const app = await NestFactory.create<NestFastifyApplication>(GatewayModule, adapter, { bodyParser: false, logger: ['error', 'warn', 'log'] });
const fastify = app.getHttpAdapter().getInstance();
fastify.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit: config.bodyLimit }, (_req, body, done) => {
  try {
    done(null, parseJsonBody(body as Buffer));
  } catch (err) {
    done(err as Error, undefined);
  }
});
registerResolveRoute(fastify, app.get(ResolveService), app.get(TokenStore));
app.useGlobalFilters(new ErrorFilter());
app.useGlobalPipes(validationPipe);
app.enableShutdownHooks();
await app.listen(config.port, config.host);
new Logger('gateway').log(`listening on http://${config.host}:${config.port}`);
