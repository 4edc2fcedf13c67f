import { DomainError, ErrorCodes, MANAGED_CHANNEL, type ChannelEvent, type Role } from '@gilt/contracts';
import type { VersionState } from '../bucket/bucket-state.js';
import type { ChannelState } from './channel-state.js';

export type ChannelCommand =
  | { type: 'CreateChannel'; bucket: string; channel: string; restricted: boolean; version: string | null; reason: string | null }
  | { type: 'AssignChannel'; bucket: string; channel: string; version: string; reason: string | null; create: boolean; expected_current?: string | null; promoted_from?: string | null }
  | { type: 'UnassignChannel'; bucket: string; channel: string; reason: string | null }
  | { type: 'RestrictChannel'; bucket: string; channel: string; restricted: boolean }
  | { type: 'DeleteChannel'; bucket: string; channel: string; reason: string | null }
  | { type: 'RollbackChannel'; bucket: string; channel: string; to_version: string | null; reason: string | null; because_revocation_of?: string | null };

/** What a channel decision reads beyond the channel itself; given by the caller so the decider stays pure. */
export interface ChannelContext {
  role: Role;
  bucketExists: boolean;
  /** A live version by id, fingerprint or name. */
  findVersion: (ref: string) => VersionState | undefined;
  /** Complete, not deleted, not revoked. */
  isAssignable: (v: VersionState) => boolean;
  /** Why a version cannot be assigned, for messages (e.g. "revoked", "not complete"). */
  whyUnassignable: (v: VersionState) => string;
}

export interface ChannelDecision {
  events: ChannelEvent[];
  message: string;
  /** A rollback that found no valid earlier version leaves the channel explicitly empty. */
  empty?: boolean;
}

const label = (v: VersionState) => (v.name !== 'v0' ? v.name : v.fingerprint);

function requireBucket(cmd: ChannelCommand, ctx: ChannelContext) {
  if (!ctx.bucketExists) throw new DomainError(ErrorCodes.notFound, `bucket ${cmd.bucket} not found`, { bucket: cmd.bucket });
}

function requireChannel(cmd: ChannelCommand, state: ChannelState | undefined): ChannelState {
  if (!state || state.deleted) throw new DomainError(ErrorCodes.notFound, `channel ${cmd.bucket}:${cmd.channel} not found`, { bucket: cmd.bucket, channel: cmd.channel });
  return state;
}

function refuseManaged(cmd: ChannelCommand, what: string) {
  if (cmd.channel === MANAGED_CHANNEL) {
    throw new DomainError(ErrorCodes.conflict, `${MANAGED_CHANNEL} is managed by Gilt (it follows the newest complete version) and cannot be ${what}`, {
      channel: MANAGED_CHANNEL,
    });
  }
}

function requireAdminIfRestricted(state: ChannelState, ctx: ChannelContext) {
  if (state.restricted && ctx.role !== 'admin') {
    throw new DomainError(ErrorCodes.forbidden, `channel ${state.bucket}:${state.name} is restricted: only admins may change it`, { channel: state.name, required_role: 'admin' });
  }
}

function assignable(ref: string, cmd: ChannelCommand, ctx: ChannelContext): VersionState {
  const v = ctx.findVersion(ref);
  if (!v) throw new DomainError(ErrorCodes.notFound, `version ${ref} not found in bucket ${cmd.bucket}`, { bucket: cmd.bucket, version: ref });
  if (!ctx.isAssignable(v)) {
    throw new DomainError(ErrorCodes.conflict, `version ${label(v)} cannot be assigned: ${ctx.whyUnassignable(v)}`, { version: v.id, reason: ctx.whyUnassignable(v) });
  }
  return v;
}

export function decideChannel(cmd: ChannelCommand, state: ChannelState | undefined, ctx: ChannelContext): ChannelDecision {
  requireBucket(cmd, ctx);
  switch (cmd.type) {
    case 'CreateChannel': {
      refuseManaged(cmd, 'created');
      if (state && !state.deleted) throw new DomainError(ErrorCodes.alreadyExists, `channel ${cmd.bucket}:${cmd.channel} already exists`, { channel: cmd.channel });
      if (cmd.restricted && ctx.role !== 'admin') throw new DomainError(ErrorCodes.forbidden, 'only admins may create restricted channels', { required_role: 'admin' });
      const events: ChannelEvent[] = [{ type: 'ChannelCreated', bucket: cmd.bucket, channel: cmd.channel, restricted: cmd.restricted }];
      if (cmd.version) {
        const v = assignable(cmd.version, cmd, ctx);
        events.push({ type: 'ChannelAssigned', bucket: cmd.bucket, channel: cmd.channel, version_id: v.id, previous_version_id: null, reason: cmd.reason, promoted_from: null });
      }
      return { events, message: `created channel ${cmd.channel}` };
    }
    case 'AssignChannel': {
      refuseManaged(cmd, 'assigned by hand');
      const v = assignable(cmd.version, cmd, ctx);
      const events: ChannelEvent[] = [];
      let current: ChannelState | undefined = state && !state.deleted ? state : undefined;
      if (!current) {
        if (!cmd.create) throw new DomainError(ErrorCodes.notFound, `channel ${cmd.bucket}:${cmd.channel} not found (create it, or pass create: true)`, { channel: cmd.channel });
        events.push({ type: 'ChannelCreated', bucket: cmd.bucket, channel: cmd.channel, restricted: false });
      } else requireAdminIfRestricted(current, ctx);
      const previous = current?.version_id ?? null;
      if (cmd.expected_current !== undefined && cmd.expected_current !== previous) {
        throw new DomainError(ErrorCodes.conflict, `channel ${cmd.channel} no longer points at ${cmd.expected_current ?? 'nothing'}; it now points at ${previous ?? 'nothing'}`, {
          channel: cmd.channel,
          expected: cmd.expected_current,
          actual: previous,
        });
      }
      if (previous === v.id) return { events, message: `channel ${cmd.channel} already points at ${label(v)}` };
      events.push({ type: 'ChannelAssigned', bucket: cmd.bucket, channel: cmd.channel, version_id: v.id, previous_version_id: previous, reason: cmd.reason, promoted_from: cmd.promoted_from ?? null });
      return { events, message: `channel ${cmd.channel} -> ${label(v)}` };
    }
    case 'UnassignChannel': {
      refuseManaged(cmd, 'unassigned');
      const c = requireChannel(cmd, state);
      requireAdminIfRestricted(c, ctx);
      if (!c.version_id) return { events: [], message: `channel ${cmd.channel} is already empty`, empty: true };
      return { events: [{ type: 'ChannelUnassigned', bucket: cmd.bucket, channel: cmd.channel, previous_version_id: c.version_id, reason: cmd.reason }], message: `channel ${cmd.channel} is now empty`, empty: true };
    }
    case 'RestrictChannel': {
      refuseManaged(cmd, 'restricted');
      const c = requireChannel(cmd, state);
      if (ctx.role !== 'admin') throw new DomainError(ErrorCodes.forbidden, 'only admins may restrict or unrestrict channels', { required_role: 'admin' });
      if (c.restricted === cmd.restricted) return { events: [], message: `channel ${cmd.channel} is already ${cmd.restricted ? 'restricted' : 'unrestricted'}` };
      return { events: [{ type: 'ChannelRestricted', bucket: cmd.bucket, channel: cmd.channel, restricted: cmd.restricted }], message: `channel ${cmd.channel} ${cmd.restricted ? 'restricted' : 'unrestricted'}` };
    }
    case 'DeleteChannel': {
      refuseManaged(cmd, 'deleted');
      const c = requireChannel(cmd, state);
      requireAdminIfRestricted(c, ctx);
      return { events: [{ type: 'ChannelDeleted', bucket: cmd.bucket, channel: cmd.channel }], message: `deleted channel ${cmd.channel}` };
    }
    case 'RollbackChannel': {
      refuseManaged(cmd, 'rolled back by hand (it follows the newest usable version)');
      const c = requireChannel(cmd, state);
      requireAdminIfRestricted(c, ctx);
      const target = rollbackTarget(c, cmd.to_version, cmd, ctx);
      // Rolling back to where the channel already is changes nothing (and must not disturb the assignment stack).
      if (target && target.id === c.version_id) return { events: [], message: `channel ${cmd.channel} already points at ${label(target)}`, empty: false };
      const to = target?.id ?? null;
      const event: ChannelEvent = { type: 'ChannelRolledBack', bucket: cmd.bucket, channel: cmd.channel, from_version_id: c.version_id, to_version_id: to, reason: cmd.reason, because_revocation_of: cmd.because_revocation_of ?? null };
      if (!target) {
        if (c.version_id === null) return { events: [], message: `channel ${cmd.channel} is empty and has no earlier valid version`, empty: true };
        return { events: [event], message: `channel ${cmd.channel} has no earlier valid version: it is now empty`, empty: true };
      }
      return { events: [event], message: `channel ${cmd.channel} rolled back to ${label(target)}`, empty: false };
    }
  }
}

/**
 * The assignments a rollback can return to, oldest first, with the current one on top. A
 * rollback pops what it rolled back from, so rolling back twice goes two steps back in time,
 * never forward again to the version just left.
 */
export function assignmentStack(c: ChannelState): (string | null)[] {
  const stack: (string | null)[] = [];
  for (const h of c.history) {
    if (h.action === 'assigned') stack.push(h.version_id);
    else if (h.action === 'unassigned') stack.push(null);
    else if (h.action === 'rolled_back') {
      stack.pop();
      while (stack.length && stack[stack.length - 1] !== h.version_id) stack.pop();
      if (!stack.length) stack.push(h.version_id);
    } else if (h.action === 'created' || h.action === 'deleted') stack.length = 0;
  }
  return stack;
}

/** The most recent earlier assignment that is still valid, or the one asked for if the channel ever had it. */
export function rollbackTarget(c: ChannelState, toVersion: string | null, cmd: ChannelCommand, ctx: ChannelContext): VersionState | null {
  if (toVersion) {
    const v = assignable(toVersion, cmd, ctx);
    if (!c.history.some((h) => (h.action === 'assigned' || h.action === 'rolled_back') && h.version_id === v.id)) {
      throw new DomainError(ErrorCodes.conflict, `version ${label(v)} was never assigned to channel ${c.name}; assign it instead of rolling back`, { version: v.id });
    }
    return v;
  }
  const stack = assignmentStack(c);
  for (let i = stack.length - 2; i >= 0; i--) {
    const id = stack[i];
    if (!id || id === c.version_id) continue;
    const v = ctx.findVersion(id);
    if (v && ctx.isAssignable(v)) return v;
  }
  return null;
}
