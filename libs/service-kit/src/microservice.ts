import 'reflect-metadata';
import { Logger, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Transport, type MicroserviceOptions } from '@nestjs/microservices';
import { serviceConfig } from './config.js';

/** Starts a NestJS NATS microservice in a queue group, so any number of replicas share the work. */
export async function runMicroservice(module: Type<unknown>, name: string, queue: string): Promise<void> {
  const config = serviceConfig();
  const app = await NestFactory.createMicroservice<MicroserviceOptions>(module, {
    transport: Transport.NATS,
    options: { servers: config.natsUrl, queue, name: `gilt-${name}-rpc`, maxReconnectAttempts: -1 },
    logger: ['error', 'warn', 'log'],
  });
  app.enableShutdownHooks();
  await app.listen();
  new Logger(name).log(`listening on ${config.natsUrl} (queue group ${queue})`);
}
