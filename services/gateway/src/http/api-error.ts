import { HttpException } from '@nestjs/common';
import { HTTP_STATUS_BY_CODE, type ErrorBody, type ErrorCode } from '@gilt/contracts';

/** An HTTP error in Gilt's one shape: `{code, message, details}`. */
export function apiError(code: ErrorCode, message: string, details: Record<string, unknown> = {}): HttpException {
  const body: ErrorBody = { code, message, details };
  return new HttpException(body, HTTP_STATUS_BY_CODE[code]);
}
