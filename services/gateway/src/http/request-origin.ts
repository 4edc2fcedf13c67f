import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { ErrorCodes } from '@gilt/contracts';
import type { CommandOrigin } from '../command-bus.js';
import type { AuthedRequest } from '../auth/auth.guard.js';
import { apiError } from './api-error.js';

const IDEMPOTENCY_KEY = /^[A-Za-z0-9_-]{8,64}$/;

/** Who is asking, and the request's idempotency key: what every command needs from HTTP. */
export const Origin = createParamDecorator((_: unknown, ctx: ExecutionContext): CommandOrigin => {
  const req = ctx.switchToHttp().getRequest<AuthedRequest>();
  const key = req.headers['idempotency-key'];
  if (key !== undefined && (typeof key !== 'string' || !IDEMPOTENCY_KEY.test(key))) {
    throw apiError(ErrorCodes.validation, 'Idempotency-Key must be 8–64 characters from [A-Za-z0-9_-]', { header: 'idempotency-key' });
  }
  const correlation = req.headers['x-correlation-id'];
  return {
    principal: req.principal!,
    idempotencyKey: key,
    correlationId: typeof correlation === 'string' && IDEMPOTENCY_KEY.test(correlation) ? correlation : undefined,
  };
});
