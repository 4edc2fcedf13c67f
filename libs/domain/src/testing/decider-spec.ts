/**
 * Given/when/then for deciders, in the style of event-driven-io/emmett's DeciderSpecification:
 *
 *   spec.given([...events]).when(command).then([...expectedEvents]);
 *   spec.given([...events]).when(command).thenThrows('CONFLICT', 'assigned to channel');
 *
 * `given` events are folded through `evolve`, each wrapped in an event context
 * (position 1, 2, …; a fixed clock; actor `tester`), then `decide` runs on the result.
 * Generated ids are deterministic: the context factory gets a `newId` that yields
 * `id-1`, `id-2`, … afresh for every `when`.
 *
 * Test-only (imports @jest/globals); not exported from the package index.
 */
import { expect } from '@jest/globals';
import { DomainError, type ErrorCode } from '@gilt/contracts';
import type { EventContext } from '../bucket/bucket-state.js';

export interface SpecDecider<State, Command, Event, Context, Decision extends { events: Event[] }> {
  decide: (command: Command, state: State | undefined, context: Context) => Decision;
  evolve: (state: State | undefined, event: Event, ctx: EventContext) => State | undefined;
  /** Builds the decision context for one `when`; `newId` yields `id-1`, `id-2`, … */
  context: (newId: () => string) => Context;
}

export interface GivenOptions {
  /** Actor recorded for the given events (default `tester`). */
  actor?: string;
}

/** Overrides merged over the default context, or a function of it. */
export type ContextOverride<Context> = Partial<Context> | ((base: Context) => Context);

export interface Outcome<State, Decision> {
  decision: Decision;
  /** The given state with the decided events folded in (what the aggregate looks like afterwards). */
  state: State | undefined;
}

export interface Then<State, Event, Decision> {
  /** The decision's events must equal `expected` exactly (order included). */
  then(expected: Event[], messagePart?: string | RegExp): Outcome<State, Decision>;
  /** The decision writes nothing (an idempotent repeat). */
  thenNothingChanged(messagePart?: string | RegExp): Outcome<State, Decision>;
  /** The decision must fail with a DomainError of this code (and a message containing `messagePart`). */
  thenThrows(code: ErrorCode, messagePart?: string | RegExp): DomainError;
}

export interface When<State, Command, Event, Context, Decision> {
  when(command: Command, context?: ContextOverride<Context>): Then<State, Event, Decision>;
  /** The state the given events fold into (fresh on every call). */
  state(): State | undefined;
}

export interface DeciderSpec<State, Command, Event, Context, Decision> {
  given(events: Event[], options?: GivenOptions): When<State, Command, Event, Context, Decision>;
}

export const SPEC_EPOCH = Date.UTC(2024, 0, 1);

/** The context of the n-th event (1-based): position n, one second apart. */
export function eventContext(position: number, actor = 'tester'): EventContext {
  return { at: new Date(SPEC_EPOCH + position * 1000).toISOString(), actor, position };
}

/** `id-1`, `id-2`, … */
export function idSequence(prefix = 'id'): () => string {
  let n = 0;
  return () => `${prefix}-${++n}`;
}

function expectMessage(message: string, part: string | RegExp | undefined): void {
  if (part === undefined) return;
  if (typeof part === 'string') expect(message).toContain(part);
  else expect(message).toMatch(part);
}

export function deciderSpec<State, Command, Event, Context, Decision extends { events: Event[]; message: string }>(
  decider: SpecDecider<State, Command, Event, Context, Decision>,
): DeciderSpec<State, Command, Event, Context, Decision> {
  return {
    given(events, options = {}) {
      const fold = (): { state: State | undefined; position: number } => {
        let state: State | undefined;
        let position = 0;
        for (const e of events) state = decider.evolve(state, e, eventContext(++position, options.actor));
        return { state, position };
      };
      return {
        state: () => fold().state,
        when(command, override) {
          const run = (): Outcome<State, Decision> => {
            const base = decider.context(idSequence());
            const context = override === undefined ? base : typeof override === 'function' ? override(base) : { ...base, ...override };
            const given = fold();
            const decision = decider.decide(command, given.state, context);
            let state = given.state;
            let position = given.position;
            for (const e of decision.events) state = decider.evolve(state, e, eventContext(++position, 'decider'));
            return { decision, state };
          };
          return {
            then(expected, messagePart) {
              const outcome = run();
              expect(outcome.decision.events).toEqual(expected);
              expectMessage(outcome.decision.message, messagePart);
              return outcome;
            },
            thenNothingChanged(messagePart) {
              const outcome = run();
              expect(outcome.decision.events).toEqual([]);
              expectMessage(outcome.decision.message, messagePart);
              return outcome;
            },
            thenThrows(code, messagePart) {
              let outcome: Outcome<State, Decision>;
              try {
                outcome = run();
              } catch (err) {
                expect(err).toBeInstanceOf(DomainError);
                const e = err as DomainError;
                expect({ code: e.code, message: e.message }).toEqual({ code, message: expect.any(String) });
                expectMessage(e.message, messagePart);
                return e;
              }
              throw new Error(`expected a DomainError ${code}, but the decision succeeded with ${JSON.stringify(outcome.decision.events)}`);
            },
          };
        },
      };
    },
  };
}
