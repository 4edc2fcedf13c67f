import { Catch, HttpException, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { DomainError, ErrorCodes, HTTP_STATUS_BY_CODE, isErrorBody, type ErrorBody } from '@gilt/contracts';

interface Reply {
  status(code: number): Reply;
  header(name: string, value: string): Reply;
  send(body: unknown): void;
}

/** Every error leaves the gateway as `{code, message, details}` with the status its code maps to. */
@Catch()
export class ErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('http');

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<Reply>();
    const { status, body } = toErrorResponse(exception);
    if (status >= 500) this.logger.error(`${body.code}: ${body.message}`, (exception as Error)?.stack);
    reply.status(status).header('content-type', 'application/json; charset=utf-8').send(body);
  }
}

export function toErrorResponse(exception: unknown): { status: number; body: ErrorBody } {
  if (exception instanceof DomainError) return { status: HTTP_STATUS_BY_CODE[exception.code], body: exception.toBody() };
  if (exception instanceof HttpException) {
    const r = exception.getResponse();
    if (isErrorBody(r)) return { status: exception.getStatus(), body: r };
    const status = exception.getStatus();
    const code = status === 404 ? ErrorCodes.notFound : status === 413 ? ErrorCodes.payloadTooLarge : status < 500 ? ErrorCodes.validation : ErrorCodes.internal;
    return { status, body: { code, message: typeof r === 'string' ? r : exception.message, details: {} } };
  }
  const fastifyErr = exception as { statusCode?: number; code?: string; message?: string };
  if (fastifyErr?.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    return { status: 413, body: { code: ErrorCodes.payloadTooLarge, message: 'request body is larger than the 1 MiB limit', details: { limit_bytes: 1048576 } } };
  }
  if (typeof fastifyErr?.statusCode === 'number' && fastifyErr.statusCode >= 400 && fastifyErr.statusCode < 500) {
    return { status: fastifyErr.statusCode, body: { code: ErrorCodes.validation, message: fastifyErr.message ?? 'bad request', details: { fastify_code: fastifyErr.code } } };
  }
  return { status: 500, body: { code: ErrorCodes.internal, message: 'internal error', details: {} } };
}
