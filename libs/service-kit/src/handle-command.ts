import type { CommandEnvelope, CommandResult, DomainEvent } from '@gilt/contracts';
import { commitMeta } from './command-meta.js';
import type { RegistryLog } from './registry-log.js';
import { toRpcException } from './rpc-errors.js';

export interface DecisionLike {
  events: DomainEvent[];
  message: string;
}

const RETRIED = 'already applied (retried request)';

/**
 * The one way a service runs a command: decide on the projected state, append to the
 * aggregate's stream, and answer with where it landed. Domain errors travel as RpcExceptions.
 */
export async function handleCommand<D extends DecisionLike>(
  log: RegistryLog,
  env: CommandEnvelope<unknown>,
  stream: string,
  decide: () => D,
  opts: { freshRead: boolean; data: (decision: D | null) => Record<string, unknown> },
): Promise<CommandResult> {
  try {
    const outcome = await log.runner.run<D | null>(
      stream,
      commitMeta(env),
      () => {
        const decision = decide();
        return { events: decision.events, result: decision };
      },
      null,
      { freshRead: opts.freshRead },
    );
    return {
      position: outcome.position,
      changed: outcome.changed,
      message: outcome.duplicate || !outcome.result ? RETRIED : outcome.result.message,
      data: opts.data(outcome.result),
    };
  } catch (err) {
    throw toRpcException(err);
  }
}
