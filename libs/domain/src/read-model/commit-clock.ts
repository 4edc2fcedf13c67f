import type { StoredCommit } from '@gilt/contracts';
import type { RegistryReadModel } from './registry-read-model.js';

/**
 * "Now" for a read model. While a commit is applied it is the time the commit was written, so what
 * depends on time (a scheduled revocation that has come due moves `latest`, with a history line)
 * comes out the same on every replay, in every process, after an export and import, and as when
 * it was applied live. Between commits it is `answerAt`: the wall clock for a live model, the
 * as-of time for a model of the past.
 */
export class CommitClock {
  private applying: number | null = null;

  constructor(public answerAt: () => number = Date.now) {}

  readonly now = (): number => this.applying ?? this.answerAt();

  apply(model: RegistryReadModel, commit: StoredCommit): void {
    this.applying = Date.parse(commit.meta.occurred_at);
    try {
      model.apply(commit);
    } finally {
      this.applying = null;
    }
  }
}
