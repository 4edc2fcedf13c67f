import { DomainError, ErrorCodes, type PlannedRollback, type RevocationEvent, type RevocationType, type VersionRef } from '@gilt/contracts';
import { isRevokedAt, type RevocationState } from './revocation-state.js';

export interface RevocationOptions {
  reason: string;
  revocation_type: RevocationType;
  inherited_from: VersionRef | null;
  skip_descendants: boolean;
  disable_rollback: boolean;
}

export type RevocationCommand =
  | ({ type: 'Revoke'; bucket: string; version_id: string; channel_rollbacks: PlannedRollback[] } & RevocationOptions)
  | ({ type: 'ScheduleRevocation'; bucket: string; version_id: string; revoke_at: string } & RevocationOptions)
  | { type: 'CancelRevocation'; bucket: string; version_id: string; reason: string | null; inherited_from_only?: VersionRef }
  | { type: 'RestoreVersion'; bucket: string; version_id: string; reason: string | null; restored_with: VersionRef | null };

export interface RevocationDecision {
  events: RevocationEvent[];
  message: string;
}

export function decideRevocation(cmd: RevocationCommand, state: RevocationState | undefined, nowMs: number): RevocationDecision {
  const status = state?.status ?? 'none';
  switch (cmd.type) {
    case 'Revoke': {
      if (status === 'revoked') return { events: [], message: 'already revoked' };
      const { type: _t, channel_rollbacks, ...rest } = cmd;
      return {
        events: [{ type: 'VersionRevoked', ...rest, revoked_at: new Date(nowMs).toISOString(), channel_rollbacks }],
        message: cmd.revocation_type === 'INHERITED' ? 'revoked (inherited)' : 'revoked',
      };
    }
    case 'ScheduleRevocation': {
      if (isRevokedAt(state, nowMs)) {
        throw new DomainError(ErrorCodes.conflict, 'version is already revoked; restore it before scheduling a revocation', { version: cmd.version_id });
      }
      if (Date.parse(cmd.revoke_at) <= nowMs) throw new DomainError(ErrorCodes.validation, 'revoke_at must be in the future to schedule', { field: 'revoke_at' });
      // An inherited date never pushes back an earlier date the version already has (HCP Packer
      // keeps the earlier one), unless that date came from the same ancestor, which is being rescheduled.
      const sameAncestor = state?.inherited_from?.version_id === cmd.inherited_from?.version_id;
      if (cmd.revocation_type === 'INHERITED' && status === 'scheduled' && !sameAncestor && state!.revoke_at && Date.parse(state!.revoke_at) <= Date.parse(cmd.revoke_at)) {
        return { events: [], message: 'already scheduled earlier' };
      }
      const { type: _t, ...rest } = cmd;
      return { events: [{ type: 'RevocationScheduled', ...rest }], message: status === 'scheduled' ? `rescheduled for ${cmd.revoke_at}` : `scheduled for ${cmd.revoke_at}` };
    }
    case 'CancelRevocation': {
      if (status !== 'scheduled' || isRevokedAt(state, nowMs)) {
        if (cmd.inherited_from_only) return { events: [], message: 'nothing scheduled' };
        throw new DomainError(ErrorCodes.conflict, status === 'none' ? 'no revocation is scheduled for this version' : 'the revocation already took effect; restore the version instead', {
          version: cmd.version_id,
        });
      }
      if (cmd.inherited_from_only && state!.inherited_from?.version_id !== cmd.inherited_from_only.version_id) return { events: [], message: 'scheduled on its own; left alone' };
      return { events: [{ type: 'RevocationCancelled', bucket: cmd.bucket, version_id: cmd.version_id, reason: cmd.reason }], message: 'scheduled revocation cancelled' };
    }
    case 'RestoreVersion': {
      if (status === 'none') {
        if (cmd.restored_with) return { events: [], message: 'not revoked' };
        throw new DomainError(ErrorCodes.conflict, 'version is not revoked', { version: cmd.version_id });
      }
      return { events: [{ type: 'VersionRestored', bucket: cmd.bucket, version_id: cmd.version_id, reason: cmd.reason, restored_with: cmd.restored_with }], message: 'restored' };
    }
  }
}
