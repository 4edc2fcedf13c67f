import { EVENT_SCHEMA_VERSION, type CommandEnvelope, type CommitMeta } from '@gilt/contracts';

export function commitMeta(env: CommandEnvelope<unknown>, now = new Date()): CommitMeta {
  return {
    command_id: env.command_id,
    actor: env.actor,
    occurred_at: now.toISOString(),
    correlation_id: env.correlation_id,
    causation_id: null,
    schema_version: EVENT_SCHEMA_VERSION,
  };
}
