import { ErrorCodes } from '@gilt/contracts';
import { apiError } from './api-error.js';

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 500;

export interface Page<T> {
  items: T[];
  pagination: { next_page_token: string | null; total: number };
}

/** Opaque page tokens; they encode an offset into a deterministic ordering. */
export function paginate<T>(all: T[], query: { page_size?: unknown; page_token?: unknown }): Page<T> {
  let size = DEFAULT_PAGE_SIZE;
  if (query.page_size !== undefined && query.page_size !== '') {
    size = Number(query.page_size);
    if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE_SIZE) {
      throw apiError(ErrorCodes.validation, `page_size must be a whole number from 1 to ${MAX_PAGE_SIZE}`, { field: 'page_size' });
    }
  }
  let offset = 0;
  if (typeof query.page_token === 'string' && query.page_token !== '') {
    const decoded = /^[A-Za-z0-9_-]{1,32}$/.test(query.page_token) ? Number(Buffer.from(query.page_token, 'base64url').toString().replace(/^o:/, '')) : NaN;
    if (!Number.isInteger(decoded) || decoded < 0) throw apiError(ErrorCodes.validation, 'page_token is not a token this server issued', { field: 'page_token' });
    offset = decoded;
  }
  const items = all.slice(offset, offset + size);
  const next = offset + size < all.length ? Buffer.from(`o:${offset + size}`).toString('base64url') : null;
  return { items, pagination: { next_page_token: next, total: all.length } };
}
