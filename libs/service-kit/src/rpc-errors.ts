import { RpcException } from '@nestjs/microservices';
import { DomainError, ErrorCodes } from '@gilt/contracts';
import { WrongExpectedRevision } from '@gilt/eventstore-client';

/** Only RpcException keeps code, message and details across NATS; everything else becomes one. */
export function toRpcException(err: unknown): RpcException {
  if (err instanceof RpcException) return err;
  if (err instanceof DomainError) return new RpcException(err.toBody());
  if (err instanceof WrongExpectedRevision) {
    return new RpcException({ code: ErrorCodes.wrongExpectedRevision, message: `${err.message}; retry the request`, details: { stream: err.stream } });
  }
  return new RpcException({ code: ErrorCodes.internal, message: (err as Error)?.message ?? String(err), details: {} });
}
