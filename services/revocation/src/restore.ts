import { DomainError, ErrorCodes, type CommitMeta, type RestoreResultData } from '@gilt/contracts';
import { versionLabel as label, type RevocationState, type VersionState } from '@gilt/domain';
import type { RegistryLog } from '@gilt/service-kit';
import { Cascade, CASCADE_CONCURRENCY, followUpMeta } from './cascade.js';
import { pipelined } from './pipelined.js';
import type { ScheduledRevocations } from './scheduled-revocations.js';

/**
 * Restore: the version is valid again (and, when asked, every version that inherited its
 * revocation from it). Channels are not moved back: a channel that rolled back away from a
 * restored version stays where it is, and the answer lists those channels so someone decides.
 * `latest` is the exception, since it always follows the newest usable version.
 */
export class Restorer {
  constructor(
    private readonly log: RegistryLog,
    private readonly cascade: Cascade,
    private readonly schedules: ScheduledRevocations,
  ) {}

  async restore(root: VersionState, reason: string | null, descendants: boolean, meta: CommitMeta): Promise<{ position: number; changed: boolean; message: string; data: RestoreResultData }> {
    const { model, projection } = this.log;
    const earlier = projection.positionOfCommand(meta.command_id);
    if (earlier !== undefined) return { position: earlier, changed: false, message: 'already applied (retried request)', data: { restored: [], rolled_back_channels: [] } };
    const own = model.revocation(root.id);
    const inherited = [...model.revocations.values()].filter((s) => s.status !== 'none' && s.inherited_from?.version_id === root.id);
    // Restoring again with descendants after the root alone was restored finishes the job instead of failing.
    if (!own && !(descendants && inherited.length)) {
      throw new DomainError(ErrorCodes.conflict, `${label(root)} is not revoked and no revocation is scheduled for it`, { version: root.id });
    }
    const restoring = [...(own ? [own] : []), ...(descendants ? inherited : [])];
    const rolled_back_channels = this.rolledBackAway(restoring);
    const origin = { correlation_id: meta.correlation_id, causation_id: meta.command_id };
    let position = 0;
    let changed = false;
    if (own) {
      const r = await this.cascade.decide(root.id, meta, { type: 'RestoreVersion', bucket: root.bucket, version_id: root.id, reason, restored_with: null });
      position = r.position;
      changed = r.changed;
    }
    if (descendants) {
      const restored_with = { bucket: root.bucket, version_id: root.id };
      const results = await pipelined(inherited, CASCADE_CONCURRENCY, (s) =>
        this.cascade.decide(s.version_id, followUpMeta(`${meta.command_id}-d-${s.version_id}`, meta.actor, origin), {
          type: 'RestoreVersion',
          bucket: s.bucket,
          version_id: s.version_id,
          reason,
          restored_with,
        }),
      );
      position = Math.max(position, ...results.map((r) => r.position));
      changed ||= results.some((r) => r.changed);
    } else {
      // A schedule the descendants inherited never took effect: it goes with the root's.
      position = Math.max(position, await this.cascade.cancelInherited(root.id, `${label(root)} was restored`, meta.command_id, meta.actor, origin));
    }
    await this.schedules.forget(root.id);
    const n = descendants ? inherited.length : 0;
    const kept = rolled_back_channels.map((c) => `${c.bucket}:${c.channel} (now ${this.nameOf(c.bucket, c.now_version_id)})`);
    const message = [
      `restored ${label(root)}${n ? ` and ${n} descendant${n === 1 ? '' : 's'}` : ''}`,
      ...(kept.length ? [`channels that rolled back away from it were not moved back: ${kept.join(', ')}`] : []),
    ].join('; ');
    return {
      position: position || model.position,
      changed,
      message,
      data: { restored: restoring.map((s) => ({ bucket: s.bucket, version_id: s.version_id })), rolled_back_channels },
    };
  }

  /** User channels whose history shows them rolling back off one of these versions after it was revoked. */
  private rolledBackAway(states: RevocationState[]): RestoreResultData['rolled_back_channels'] {
    const { model } = this.log;
    const out: RestoreResultData['rolled_back_channels'] = [];
    for (const s of states) {
      if (s.revoked_position === null) continue;
      for (const c of model.liveChannels(s.bucket)) {
        if (c.managed) continue;
        const h = c.history.findLast((e) => e.action === 'rolled_back' && e.previous_version_id === s.version_id && e.position > s.revoked_position!);
        if (h) out.push({ bucket: s.bucket, channel: c.name, from_version_id: s.version_id, now_version_id: c.version_id, at: h.at });
      }
    }
    return out;
  }

  private nameOf(bucket: string, id: string | null): string {
    if (!id) return 'empty';
    return this.log.model.buckets.get(bucket)?.by_id.get(id)?.name ?? id;
  }
}
