import { Inject, Injectable } from '@nestjs/common';
import { ErrorCodes, EVENT_TYPES, type StoredCommit } from '@gilt/contracts';
import { ChainVerifier, KeyedMutex, WrongExpectedRevision } from '@gilt/eventstore-client';
import { RegistryLog } from '@gilt/service-kit';
import { apiError } from '../http/api-error.js';

/** Commits per import request: the CLI sends a file in batches under the gateway's 1 MiB body limit. */
export const MAX_IMPORT_BATCH = 2000;
/** Writes in flight at once: one connection keeps them in order, and pipelining is ~10x one-at-a-time. */
const PIPELINE = 256;

export interface ImportResult {
  imported: number;
  /** Commits already in the log with the same hash (a retried or resumed import). */
  skipped: number;
  head: number;
}

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const EVENT_TYPE_SET = new Set<string>(EVENT_TYPES);

/** The shape of one exported commit; the hash chain then proves its content. */
function checkShape(x: unknown, i: number): StoredCommit {
  const bad = (what: string) => apiError(ErrorCodes.validation, `commits[${i}]: ${what}`, { field: `commits[${i}]` });
  if (!isObject(x)) throw bad('not an object');
  if (!Number.isInteger(x.position) || (x.position as number) < 1) throw bad('position must be a whole number from 1');
  if (typeof x.stream !== 'string' || x.stream === '') throw bad('stream must be a string');
  if (!Array.isArray(x.events) || !x.events.every((e) => isObject(e) && EVENT_TYPE_SET.has(e.type as string))) throw bad('events must be a list of known events');
  const m = x.meta;
  if (!isObject(m) || typeof m.command_id !== 'string' || typeof m.actor !== 'string' || typeof m.occurred_at !== 'string' || !Number.isFinite(Date.parse(m.occurred_at))) {
    throw bad('meta must have command_id, actor and an occurred_at time');
  }
  if (typeof x.prev_hash !== 'string' || typeof x.hash !== 'string' || !/^[0-9a-f]{64}$/.test(x.hash)) throw bad('prev_hash and hash must be SHA-256 hex');
  return x as unknown as StoredCommit;
}

/**
 * Import of an exported log, batch by batch, in order. The log must be empty or hold exactly the
 * commits the file starts with (so a retried or interrupted import can simply be run again);
 * anything else is refused before a write. Every batch is checked against the hash chain the
 * log has so far, then written with the original positions, meta and hashes.
 */
@Injectable()
export class LogImporter {
  private readonly serial = new KeyedMutex();

  constructor(@Inject(RegistryLog) private readonly log: RegistryLog) {}

  importBatch(body: unknown): Promise<ImportResult> {
    if (!isObject(body) || !Array.isArray(body.commits)) throw apiError(ErrorCodes.validation, 'body must be {"commits": [...]}: commits as `gilt events export` wrote them', { field: 'commits' });
    if (body.commits.length > MAX_IMPORT_BATCH) throw apiError(ErrorCodes.validation, `at most ${MAX_IMPORT_BATCH} commits per request`, { field: 'commits' });
    const commits = body.commits.map(checkShape);
    return this.serial.run('import', () => this.write(commits));
  }

  private async write(commits: StoredCommit[]): Promise<ImportResult> {
    const { store, projection } = this.log;
    const head = await store.head();
    if (commits.length === 0) return { imported: 0, skipped: 0, head };
    const first = commits[0]!.position;
    if (first > head + 1) {
      throw apiError(ErrorCodes.conflict, `the log ends at position ${head} but this batch starts at ${first}: import the file from its start`, { head, position: first });
    }
    let skipped = 0;
    for (const c of commits) {
      if (c.position > head) break;
      const stored = await store.commitAt(c.position);
      if (stored?.hash !== c.hash) {
        throw apiError(
          ErrorCodes.conflict,
          head > 0 && first === 1
            ? `the log is not empty (it ends at position ${head}) and differs from the file at position ${c.position}: import only into a fresh Gilt`
            : `position ${c.position} of the log holds another commit than the file`,
          { head, position: c.position },
        );
      }
      skipped++;
    }
    const fresh = commits.slice(skipped);
    if (fresh.length === 0) return { imported: 0, skipped, head };
    // The projection's stream heads are the chain the new commits must continue.
    await projection.waitFor(head);
    const chain = new ChainVerifier(head + 1, (stream) => projection.head(stream).hash);
    const revisions = new Map<string, number>();
    const writes: { commit: StoredCommit; previous: number }[] = [];
    for (const c of fresh) {
      const problem = chain.check(c);
      if (problem) throw apiError(ErrorCodes.validation, `refusing the import: ${problem.message}`, { position: problem.position, kind: problem.kind, stream: problem.stream });
      writes.push({ commit: c, previous: revisions.get(c.stream) ?? projection.head(c.stream).revision });
      revisions.set(c.stream, c.position);
    }
    let written = 0;
    try {
      for (let i = 0; i < writes.length; i += PIPELINE) {
        await Promise.all(writes.slice(i, i + PIPELINE).map((w) => store.appendRaw(w.commit, w.previous).then(() => written++)));
      }
    } catch (err) {
      const at = await store.head();
      if (err instanceof WrongExpectedRevision) {
        throw apiError(ErrorCodes.conflict, `the log moved while importing (someone else wrote at position ${at}): import into a Gilt nothing else writes to`, { head: at });
      }
      throw err;
    }
    const last = fresh[fresh.length - 1]!.position;
    await projection.waitFor(last, 60_000);
    return { imported: written, skipped, head: last };
  }
}
