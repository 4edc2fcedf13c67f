import type { RevocationEvent, RevocationType, VersionRef } from '@gilt/contracts';
import type { EventContext } from '../bucket/bucket-state.js';

export interface RevocationState {
  version_id: string;
  bucket: string;
  /** `scheduled` with a revoke_at in the past counts as revoked in every answer (see isRevokedAt). */
  status: 'none' | 'scheduled' | 'revoked';
  revoke_at: string | null;
  reason: string | null;
  author: string | null;
  revocation_type: RevocationType | null;
  inherited_from: VersionRef | null;
  skip_descendants: boolean;
  disable_rollback: boolean;
  /** Log position of the VersionRevoked commit, for ordering and deterministic follow-up ids. */
  revoked_position: number | null;
  /**
   * Log position of the last revocation event of this version, restores and cancellations
   * included (0: none yet). A cascade that finds a descendant changed after its root leaves it
   * alone: someone decided about that descendant since (e.g. restored it on its own).
   */
  changed_position: number;
}

export const noRevocation = (bucket: string, version_id: string, changed_position = 0): RevocationState => ({
  version_id,
  bucket,
  status: 'none',
  revoke_at: null,
  reason: null,
  author: null,
  revocation_type: null,
  inherited_from: null,
  skip_descendants: false,
  disable_rollback: false,
  revoked_position: null,
  changed_position,
});

export function evolveRevocation(state: RevocationState | undefined, e: RevocationEvent, ctx: EventContext): RevocationState {
  const s = state ?? noRevocation(e.bucket, e.version_id);
  switch (e.type) {
    case 'RevocationScheduled':
      return {
        ...s,
        status: 'scheduled',
        revoke_at: e.revoke_at,
        reason: e.reason,
        author: ctx.actor,
        revocation_type: e.revocation_type,
        inherited_from: e.inherited_from,
        skip_descendants: e.skip_descendants,
        disable_rollback: e.disable_rollback,
        revoked_position: null,
        changed_position: ctx.position,
      };
    case 'VersionRevoked':
      return {
        ...s,
        status: 'revoked',
        revoke_at: e.revoked_at,
        reason: e.reason,
        author: ctx.actor,
        revocation_type: e.revocation_type,
        inherited_from: e.inherited_from,
        skip_descendants: e.skip_descendants,
        disable_rollback: e.disable_rollback,
        revoked_position: ctx.position,
        changed_position: ctx.position,
      };
    case 'RevocationCancelled':
    case 'VersionRestored':
      return noRevocation(s.bucket, s.version_id, ctx.position);
  }
}

/** Revoked now: explicitly, or scheduled for a time that has passed (even if the job has not run yet). */
export function isRevokedAt(s: RevocationState | undefined, nowMs: number): boolean {
  if (!s) return false;
  if (s.status === 'revoked') return true;
  return s.status === 'scheduled' && s.revoke_at !== null && Date.parse(s.revoke_at) <= nowMs;
}
