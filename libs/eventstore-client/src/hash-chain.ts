import { createHash } from 'node:crypto';
import type { CommitMeta, DomainEvent } from '@gilt/contracts';

export const GENESIS_HASH = '';

/** The hashed part of a commit. Chained per aggregate so appends to different aggregates stay independent. */
export interface CommitBody {
  stream: string;
  events: DomainEvent[];
  meta: CommitMeta;
}

export function commitHash(prevHash: string, body: CommitBody): string {
  return createHash('sha256')
    .update(prevHash)
    .update('\n')
    .update(JSON.stringify({ stream: body.stream, events: body.events, meta: body.meta }))
    .digest('hex');
}
