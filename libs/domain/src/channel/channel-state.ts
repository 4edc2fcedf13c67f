import type { ChannelEvent } from '@gilt/contracts';
import type { EventContext } from '../bucket/bucket-state.js';

export type HistoryAction = 'created' | 'assigned' | 'unassigned' | 'rolled_back' | 'restricted' | 'unrestricted' | 'deleted';

/** One line of a channel's history: every change is kept, with who, when and why. */
export interface HistoryEntry {
  position: number;
  at: string;
  actor: string;
  action: HistoryAction;
  version_id: string | null;
  previous_version_id: string | null;
  reason: string | null;
  promoted_from: string | null;
  because_revocation_of: string | null;
}

export interface ChannelState {
  bucket: string;
  name: string;
  managed: boolean;
  restricted: boolean;
  deleted: boolean;
  version_id: string | null;
  created_at: string;
  updated_at: string;
  updated_by: string;
  history: HistoryEntry[];
}

function entry(ctx: EventContext, action: HistoryAction, fields: Partial<HistoryEntry> = {}): HistoryEntry {
  return {
    position: ctx.position,
    at: ctx.at,
    actor: ctx.actor,
    action,
    version_id: null,
    previous_version_id: null,
    reason: null,
    promoted_from: null,
    because_revocation_of: null,
    ...fields,
  };
}

export function newChannel(bucket: string, name: string, managed: boolean, ctx: EventContext): ChannelState {
  return {
    bucket,
    name,
    managed,
    restricted: false,
    deleted: false,
    version_id: null,
    created_at: ctx.at,
    updated_at: ctx.at,
    updated_by: ctx.actor,
    history: [],
  };
}

/** evolve(state, event) for a user channel. */
export function evolveChannel(state: ChannelState | undefined, e: ChannelEvent, ctx: EventContext): ChannelState | undefined {
  if (e.type === 'ChannelCreated') {
    const c = newChannel(e.bucket, e.channel, false, ctx);
    c.restricted = e.restricted;
    c.history = state?.history ?? [];
    c.history.push(entry(ctx, 'created'));
    return c;
  }
  if (!state) return state;
  state.updated_at = ctx.at;
  state.updated_by = ctx.actor;
  switch (e.type) {
    case 'ChannelAssigned':
      state.history.push(entry(ctx, 'assigned', { version_id: e.version_id, previous_version_id: e.previous_version_id, reason: e.reason, promoted_from: e.promoted_from }));
      state.version_id = e.version_id;
      return state;
    case 'ChannelUnassigned':
      state.history.push(entry(ctx, 'unassigned', { previous_version_id: e.previous_version_id, reason: e.reason }));
      state.version_id = null;
      return state;
    case 'ChannelRolledBack':
      state.history.push(
        entry(ctx, 'rolled_back', { version_id: e.to_version_id, previous_version_id: e.from_version_id, reason: e.reason, because_revocation_of: e.because_revocation_of }),
      );
      state.version_id = e.to_version_id;
      return state;
    case 'ChannelRestricted':
      state.history.push(entry(ctx, e.restricted ? 'restricted' : 'unrestricted', { version_id: state.version_id }));
      state.restricted = e.restricted;
      return state;
    case 'ChannelDeleted':
      state.history.push(entry(ctx, 'deleted', { previous_version_id: state.version_id }));
      state.deleted = true;
      state.version_id = null;
      return state;
  }
}

/** A history line for the managed `latest` channel, which moves by itself as versions complete or go away. */
export function latestMoved(state: ChannelState, to: string | null, from: string | null, ctx: EventContext, reason: string): void {
  state.history.push(entry(ctx, to === null ? 'unassigned' : 'assigned', { version_id: to, previous_version_id: from, reason }));
  state.version_id = to;
  state.updated_at = ctx.at;
  state.updated_by = ctx.actor;
}
