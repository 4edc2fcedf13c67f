import { ErrorCodes, DomainError } from '@gilt/contracts';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Strict JSON bodies: bytes that are not UTF-8 are refused (a lenient decoder would turn them
 * into U+FFFD and store something the client never sent), and so is anything after the value.
 */
export function parseJsonBody(raw: Buffer): unknown {
  if (raw.length === 0) return undefined;
  let text: string;
  try {
    text = utf8.decode(raw);
  } catch {
    throw new DomainError(ErrorCodes.validation, 'request body is not valid UTF-8', { field: 'body' });
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new DomainError(ErrorCodes.validation, `request body is not valid JSON: ${(err as Error).message}`, { field: 'body' });
  }
}
