import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { ClientProxy } from '@nestjs/microservices';
import { firstValueFrom, timeout, TimeoutError } from 'rxjs';
import { ErrorCodes, isErrorBody, type CommandEnvelope, type CommandResult } from '@gilt/contracts';
import { newId, RegistryLog } from '@gilt/service-kit';
import { apiError } from './http/api-error.js';
import type { Principal } from './auth/token-store.js';

export const NATS_CLIENT = 'NATS_CLIENT';
const COMMAND_TIMEOUT_MS = 15_000;

export interface CommandOrigin {
  principal: Principal;
  /** Idempotency-Key header: a retried request reuses it and is written once. */
  idempotencyKey?: string;
  correlationId?: string;
}

/**
 * Sends a command to the service that owns it and, on success, waits until the gateway's own
 * read model has the resulting commit: a client that writes and then reads sees its write.
 */
@Injectable()
export class CommandBus implements OnApplicationShutdown {
  constructor(
    @Inject(NATS_CLIENT) private readonly client: ClientProxy,
    @Inject(RegistryLog) private readonly log: RegistryLog,
  ) {}

  async send<P, R = Record<string, unknown>>(subject: string, payload: P, origin: CommandOrigin): Promise<CommandResult<R>> {
    const env: CommandEnvelope<P> = {
      command_id: origin.idempotencyKey ?? newId(),
      actor: origin.principal.name,
      role: origin.principal.role,
      correlation_id: origin.correlationId ?? newId(),
      payload,
    };
    const result = await this.request<CommandResult<R>>(subject, env);
    await this.log.projection.waitFor(result.position);
    return result;
  }

  /** A query to the service that owns the answer; failures map to HTTP errors as for commands. */
  query<Q, R>(subject: string, payload: Q): Promise<R> {
    return this.request<R>(subject, payload);
  }

  private async request<R>(subject: string, data: unknown): Promise<R> {
    try {
      return await firstValueFrom(this.client.send<R>(subject, data).pipe(timeout(COMMAND_TIMEOUT_MS)));
    } catch (err) {
      if (isErrorBody(err)) throw apiError(err.code, err.message, err.details);
      if (err instanceof TimeoutError) throw apiError(ErrorCodes.unavailable, `no answer from the service behind ${subject} within ${COMMAND_TIMEOUT_MS / 1000} s`, { subject });
      const message = (err as Error)?.message ?? String(err);
      if (/no responders|Empty response/i.test(message)) throw apiError(ErrorCodes.unavailable, `the service behind ${subject} is not running`, { subject });
      if (/connection lost|reconnect|disconnect|closed/i.test(message)) throw apiError(ErrorCodes.unavailable, `NATS is unreachable (${message}); retry shortly`, { subject });
      throw apiError(ErrorCodes.internal, message, { subject });
    }
  }

  async onApplicationShutdown() {
    await this.client.close();
  }
}
