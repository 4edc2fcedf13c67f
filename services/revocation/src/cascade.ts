import { Logger } from '@nestjs/common';
import {
  channelStream,
  EVENT_SCHEMA_VERSION,
  revocationStream,
  type AffectedVersion,
  type ChannelRolledBack,
  type ChannelRollbackView,
  type CommitMeta,
  type RevocationResultData,
} from '@gilt/contracts';
import {
  assertRevocable,
  decideChannel,
  decideRevocation,
  plannedRollbacks,
  planRevocation,
  revocationChannelContext,
  versionLabel as label,
  type RevocationCommand,
  type RevocationPlan,
  type RevocationState,
  type VersionState,
} from '@gilt/domain';
import type { RegistryLog } from '@gilt/service-kit';
import { pipelined } from './pipelined.js';

/** Appends in flight at once: each goes to its own aggregate, so they never conflict with each other. */
export const CASCADE_CONCURRENCY = 64;
/** Up to this many versions, a revoke answers once the whole cascade is written; above, right after the root. */
export const CASCADE_WAIT_LIMIT = 2000;

/** Where a cascade's follow-up writes come from: the root's author, correlated with the request that started it. */
export interface Origin {
  correlation_id: string;
  causation_id: string | null;
}

export interface RevokeRequest {
  reason: string;
  skip_descendants: boolean;
  disable_rollback: boolean;
}

export interface RevokeOutcome {
  /** Log position the caller should wait for: the last write it can see in the reply. */
  position: number;
  changed: boolean;
  message: string;
  data: RevocationResultData;
}

/**
 * The revocation process manager's moves. Every write has a command id derived from the root's
 * log position and the target (so a re-run is answered as a duplicate), and every decider is
 * idempotent (a revoked version is not revoked again, a channel that moved on is left alone):
 * running any of these twice, or after a crash halfway, writes each event once.
 */
export class Cascade {
  private readonly logger = new Logger('cascade');

  constructor(private readonly log: RegistryLog) {}

  private get model() {
    return this.log.model;
  }

  /** Revokes a version now: the root, then its descendants, then the channels pointing at any of them. */
  async revokeNow(root: VersionState, req: RevokeRequest, meta: CommitMeta, waitLimit = CASCADE_WAIT_LIMIT): Promise<RevokeOutcome> {
    const plan = planRevocation(this.model, root, req);
    const rootRollbacks = req.disable_rollback ? [] : plannedRollbacks(this.model, root.bucket, root.id, plan.ids);
    const outcome = await this.log.runner.run(
      revocationStream(root.id),
      meta,
      () => {
        assertRevocable(this.model, root, false);
        const state = this.model.revocations.get(root.id);
        const cmd: RevocationCommand = { type: 'Revoke', bucket: root.bucket, version_id: root.id, revocation_type: 'MANUAL', inherited_from: null, channel_rollbacks: rootRollbacks, ...req };
        const d = decideRevocation(cmd, state, Date.now());
        return { events: d.events, result: d.message };
      },
      'already applied (retried request)',
    );
    const state = this.model.revocations.get(root.id)!;
    const origin: Origin = { correlation_id: meta.correlation_id, causation_id: meta.command_id };
    if (req.skip_descendants) await this.cancelInherited(root.id, 'the revocation of the ancestor took effect without its descendants', `rv${state.revoked_position}`, state.author, origin);
    const finish = this.finish(state, plan, origin);
    const pending = plan.affected.length - 1;
    if (plan.affected.length > waitLimit) {
      finish.catch((err) => this.logger.error(`cascade of ${label(root)} stopped (${(err as Error).message}); it is finished on the next start`));
      return {
        position: outcome.position,
        changed: outcome.changed,
        message: `revoked ${label(root)}; revoking ${pending} descendants in the background`,
        data: this.result(plan, state, pending),
      };
    }
    const done = await finish;
    const rollbacks = [...done.rollbacks, ...plan.channel_rollbacks.filter((r) => r.managed)];
    return {
      position: Math.max(outcome.position, done.position),
      changed: outcome.changed,
      message: outcome.duplicate ? 'already applied (retried request)' : this.summary(root, plan, rollbacks),
      data: this.result(plan, state, 0),
    };
  }

  private async finish(root: RevocationState, plan: RevocationPlan, origin: Origin) {
    const descendants = await this.revokeDescendants(root, origin);
    const channels = await this.rollBackChannels(plan.ids, origin);
    return { position: Math.max(descendants.position, channels.position), rollbacks: channels.rollbacks };
  }

  private result(plan: RevocationPlan, state: RevocationState, pending: number): RevocationResultData {
    return { version_id: plan.root.id, status: 'REVOKED', revoke_at: state.revoke_at!, cascade: { total: plan.affected.length - 1, pending } };
  }

  private summary(root: VersionState, plan: RevocationPlan, rollbacks: ChannelRollbackView[]): string {
    const n = plan.affected.length - 1;
    const parts = [`revoked ${label(root)}${n ? ` and ${n} descendant${n === 1 ? '' : 's'}` : ''}`];
    const moved = rollbacks.filter((r) => !r.managed);
    if (moved.length) parts.push(`${moved.length} channel${moved.length === 1 ? '' : 's'} rolled back`);
    const emptied = rollbacks.filter((r) => r.empty).map((r) => `${r.bucket}:${r.channel}`);
    if (emptied.length) parts.push(`left empty (no earlier valid version): ${emptied.join(', ')}`);
    if (plan.channels_not_rolled_back.length) parts.push(`rollback disabled: ${plan.channels_not_rolled_back.length} channel(s) still point at revoked versions`);
    return parts.join('; ');
  }

  /**
   * The descendants a root should carry along: those not decided about since the root's own last
   * change (a descendant restored on its own after the cascade stays restored).
   */
  private followers(root: RevocationState): { version: VersionState; depth: number }[] {
    const v = this.model.versions.get(root.version_id);
    if (!v || root.revocation_type !== 'MANUAL' || root.skip_descendants) return [];
    return this.model.descendantsOf(v).filter(({ version }) => {
      const d = this.model.revocations.get(version.id);
      return !d || (d.status !== 'revoked' && d.changed_position <= root.changed_position);
    });
  }

  /** Revokes, as INHERITED from `root`, every descendant that is not revoked yet. */
  async revokeDescendants(root: RevocationState, origin: Origin): Promise<{ position: number; written: number }> {
    const todo = this.followers(root);
    if (!todo.length) return { position: 0, written: 0 };
    const ids = new Set([root.version_id, ...todo.map((d) => d.version.id)]);
    const inherited_from = { bucket: root.bucket, version_id: root.version_id };
    const results = await pipelined(todo, CASCADE_CONCURRENCY, ({ version }) =>
      this.decide(version.id, followUpMeta(`rv${root.revoked_position}-d-${version.id}`, root.author, origin), {
        type: 'Revoke',
        bucket: version.bucket,
        version_id: version.id,
        reason: root.reason ?? '',
        revocation_type: 'INHERITED',
        inherited_from,
        skip_descendants: false,
        disable_rollback: root.disable_rollback,
        channel_rollbacks: root.disable_rollback ? [] : plannedRollbacks(this.model, version.bucket, version.id, ids),
      }),
    );
    return { position: Math.max(0, ...results.map((r) => r.position)), written: results.filter((r) => r.changed).length };
  }

  /** Gives every descendant of a scheduled root the same revoke_at, as INHERITED (an earlier date of its own is kept). */
  async scheduleDescendants(root: RevocationState, origin: Origin): Promise<{ position: number; affected: AffectedVersion[] }> {
    // Due already: the revocation itself carries the descendants along.
    if (!root.revoke_at || Date.parse(root.revoke_at) <= Date.now()) return { position: 0, affected: [] };
    const todo = this.followers(root);
    const inherited_from = { bucket: root.bucket, version_id: root.version_id };
    const results = await pipelined(todo, CASCADE_CONCURRENCY, ({ version }) =>
      this.decide(version.id, followUpMeta(`sc${root.changed_position}-d-${version.id}`, root.author, origin), {
        type: 'ScheduleRevocation',
        bucket: version.bucket,
        version_id: version.id,
        revoke_at: root.revoke_at!,
        reason: root.reason ?? '',
        revocation_type: 'INHERITED',
        inherited_from,
        skip_descendants: false,
        disable_rollback: root.disable_rollback,
      }),
    );
    const affected = todo
      .filter((_, i) => results[i]!.changed)
      .map(({ version, depth }) => ({ bucket: version.bucket, version_id: version.id, name: version.name, depth, type: 'INHERITED' as const, via: null }));
    return { position: Math.max(0, ...results.map((r) => r.position)), affected };
  }

  /** Cancels the scheduled revocations descendants inherited from `rootId` (their own schedules stay). */
  async cancelInherited(rootId: string, reason: string, idPrefix: string, actor: string | null, origin: Origin): Promise<number> {
    const todo = [...this.model.revocations.values()].filter((s) => s.status === 'scheduled' && s.inherited_from?.version_id === rootId);
    const results = await pipelined(todo, CASCADE_CONCURRENCY, (s) =>
      this.decide(s.version_id, followUpMeta(`${idPrefix}-c-${s.version_id}`, actor, origin), {
        type: 'CancelRevocation',
        bucket: s.bucket,
        version_id: s.version_id,
        reason,
        inherited_from_only: { bucket: s.inherited_from!.bucket, version_id: rootId },
      }),
    );
    return Math.max(0, ...results.map((r) => r.position));
  }

  /**
   * Rolls back every user channel that points at one of these versions, when the version is
   * revoked and its revocation did not disable rollback. A channel that already moved on is left
   * alone, so this is safe to run again at any time.
   */
  async rollBackChannels(versionIds: Iterable<string>, origin: Origin): Promise<{ position: number; rollbacks: ChannelRollbackView[] }> {
    const todo: { v: VersionState; s: RevocationState; channel: string }[] = [];
    for (const id of versionIds) {
      const s = this.model.revocations.get(id);
      const v = this.model.versions.get(id);
      if (!v || s?.status !== 'revoked' || s.disable_rollback) continue;
      for (const channel of this.model.channelsAssigned(v.bucket, id)) todo.push({ v, s, channel });
    }
    const results = await pipelined(todo, CASCADE_CONCURRENCY, ({ v, s, channel }) =>
      this.log.runner.run(
        channelStream(v.bucket, channel),
        followUpMeta(`rv${s.revoked_position}-rb-${v.bucket}-${channel}`, s.author, origin),
        () => {
          const c = this.model.channels.get(v.bucket)?.get(channel);
          if (!c || c.deleted || c.version_id !== v.id) return { events: [], result: null };
          const d = decideChannel(
            { type: 'RollbackChannel', bucket: v.bucket, channel, to_version: null, reason: this.rollbackReason(v, s), because_revocation_of: s.inherited_from?.version_id ?? v.id },
            c,
            revocationChannelContext(this.model, v.bucket, new Set()),
          );
          const e = d.events[0] as ChannelRolledBack | undefined;
          const view: ChannelRollbackView | null = e
            ? { bucket: v.bucket, channel, from_version_id: v.id, to_version_id: e.to_version_id, empty: e.to_version_id === null, managed: false }
            : null;
          return { events: d.events, result: view };
        },
        null,
      ),
    );
    return {
      position: Math.max(0, ...results.map((r) => r.position)),
      rollbacks: results.map((r) => r.result).filter((x): x is ChannelRollbackView => x !== null),
    };
  }

  private rollbackReason(v: VersionState, s: RevocationState): string {
    const root = s.inherited_from ? this.model.versions.get(s.inherited_from.version_id) : undefined;
    const why = s.reason ? `: ${s.reason}` : '';
    return root ? `${label(v)} revoked (inherited from ${label(root)})${why}` : `${label(v)} revoked${why}`;
  }

  /** One revocation decision on one version's own stream. */
  decide(versionId: string, meta: CommitMeta, cmd: RevocationCommand) {
    return this.log.runner.run(
      revocationStream(versionId),
      meta,
      () => {
        const state = this.model.revocations.get(versionId);
        // Raced by another writer (a replica, a second cascade): it is revoked; nothing to add.
        if (cmd.type === 'ScheduleRevocation' && state?.status === 'revoked') return { events: [], result: 'already revoked' };
        const d = decideRevocation(cmd, state, Date.now());
        return { events: d.events, result: d.message };
      },
      'already applied',
    );
  }
}

export function followUpMeta(commandId: string, actor: string | null, origin: Origin): CommitMeta {
  return {
    command_id: commandId,
    actor: actor ?? 'gilt',
    occurred_at: new Date().toISOString(),
    correlation_id: origin.correlation_id,
    causation_id: origin.causation_id,
    schema_version: EVENT_SCHEMA_VERSION,
  };
}
