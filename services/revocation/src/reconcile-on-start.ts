import { Logger } from '@nestjs/common';
import type { RegistryLog } from '@gilt/service-kit';
import type { Cascade, Origin } from './cascade.js';

/**
 * After a crash (kill -9 halfway through a cascade, a lost connection), the log may hold a root
 * revocation whose descendants or channels were not all written. At start, once the projection
 * has caught up, finish every one of them. The follow-up command ids are derived from the root's
 * log position and the deciders are idempotent, so nothing is written twice, however often this
 * runs and whatever the crash interrupted.
 */
export async function reconcileOnStart(log: RegistryLog, cascade: Cascade): Promise<void> {
  const logger = new Logger('reconcile');
  const started = Date.now();
  await log.projection.catchUp();
  const states = [...log.model.revocations.values()];
  const origin = (what: string, id: string): Origin => ({ correlation_id: `reconcile-${what}-${id}`, causation_id: null });
  let revoked = 0;
  let scheduled = 0;
  for (const s of states) {
    if (s.revocation_type !== 'MANUAL' || s.skip_descendants) continue;
    if (s.status === 'revoked') revoked += (await cascade.revokeDescendants(s, origin('revoke', s.version_id))).written;
    else if (s.status === 'scheduled') scheduled += (await cascade.scheduleDescendants(s, origin('schedule', s.version_id))).affected.length;
  }
  // Schedules inherited from a root that has none any more: its cancel or restore stopped halfway.
  let cancelled = 0;
  const orphaned = new Set(
    states
      .filter((s) => s.status === 'scheduled' && s.inherited_from && log.model.revocation(s.inherited_from.version_id) === undefined)
      .map((s) => s.inherited_from!.version_id),
  );
  for (const rootId of orphaned) {
    const root = log.model.revocations.get(rootId);
    await cascade.cancelInherited(rootId, 'the ancestor it was inherited from was cancelled or restored', `orphan-${root?.changed_position ?? 0}`, root?.author ?? null, origin('cancel', rootId));
    cancelled++;
  }
  // Channels still on a revoked version whose revocation allows rollback.
  const rollbackIds = [...log.model.revocations.values()].filter((s) => s.status === 'revoked' && !s.disable_rollback).map((s) => s.version_id);
  const channels = await cascade.rollBackChannels(rollbackIds, { correlation_id: 'reconcile-channels', causation_id: null });
  const did = revoked + scheduled + cancelled + channels.rollbacks.length;
  logger.log(
    did
      ? `finished interrupted work in ${Date.now() - started} ms: ${revoked} inherited revocations, ${scheduled} inherited schedules, ${cancelled} orphaned schedules cancelled, ${channels.rollbacks.length} channel rollbacks`
      : `nothing left unfinished (${states.length} revocations checked in ${Date.now() - started} ms)`,
  );
}
