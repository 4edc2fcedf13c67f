/** The aggregate moved on since the caller read it: reload and decide again. */
export class WrongExpectedRevision extends Error {
  constructor(
    readonly stream: string,
    readonly expected: number,
    readonly actual: number | null,
  ) {
    super(`stream ${stream}: expected revision ${expected}, found ${actual ?? 'a newer one'}`);
    this.name = 'WrongExpectedRevision';
  }
}

/** The NATS server cannot hold the log (no JetStream, too old, a stream with an incompatible config). */
export class UnsupportedServer extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnsupportedServer';
  }
}
