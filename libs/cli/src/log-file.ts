/** Exported log files (`gilt events export`): JSON lines, one stored commit each, in log order. */
import { open, type FileHandle } from 'node:fs/promises';
import type { StoredCommit } from '@gilt/contracts';
import type { VerifyReport } from '@gilt/eventstore-client';
import { CliError } from './errors.js';

export interface CommitLine {
  /** 1-based line number in the file. */
  line: number;
  /** The line as written. */
  text: string;
  /** null: the line is not a JSON object. */
  commit: StoredCommit | null;
}

/** The file's lines in order (blank ones skipped). */
export async function* readCommitLines(file: string): AsyncGenerator<CommitLine> {
  let fh: FileHandle;
  try {
    fh = await open(file);
  } catch (e) {
    throw new CliError(`cannot read ${file}: ${(e as Error).message}`);
  }
  try {
    let line = 0;
    for await (const text of fh.readLines()) {
      line++;
      if (text.trim() === '') continue;
      let commit: StoredCommit | null = null;
      try {
        const parsed = JSON.parse(text) as unknown;
        if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) commit = parsed as StoredCommit;
      } catch {
        commit = null;
      }
      yield { line, text, commit };
    }
  } finally {
    // readLines closes the handle when it reaches the end; this covers a caller that stops early.
    await fh.close().catch(() => undefined);
  }
}

export type FileReport = VerifyReport & { line: number | null };

/**
 * Checks an exported log offline, exactly as `gilt verify` checks the server's: no gap in the
 * positions, every hash matches its commit, every commit chains to its aggregate's previous one.
 * The chain code is loaded only here, so other commands do not pay for it.
 */
export async function verifyLogFile(file: string, onProgress?: (commits: number) => void): Promise<FileReport> {
  const { ChainVerifier } = await import('@gilt/eventstore-client');
  const chain = new ChainVerifier();
  for await (const l of readCommitLines(file)) {
    if (!l.commit || typeof l.commit.position !== 'number') {
      const position = chain.head + 1;
      return { ...chain.report({ position, stream: null, kind: 'unreadable', message: `line ${l.line} is not a commit (expected position ${position} there)` }), line: l.line };
    }
    let problem;
    try {
      problem = chain.check(l.commit);
    } catch {
      // A commit without the fields a hash is computed over cannot have been exported.
      problem = { position: l.commit.position, stream: null, kind: 'unreadable' as const, message: `line ${l.line} is not a whole commit` };
    }
    if (problem) return { ...chain.report(problem), line: l.line };
    if (onProgress && chain.commits % 100_000 === 0) onProgress(chain.commits);
  }
  return { ...chain.report(null), line: null };
}
