import { Inject, Injectable } from '@nestjs/common';
import { ErrorCodes, type AsOfPoint } from '@gilt/contracts';
import type { BucketState, RegistryReadModel, VersionState } from '@gilt/domain';
import { AsOfModels, parseAsOf, RegistryLog, type CommitHistory } from '@gilt/service-kit';
import { apiError } from './http/api-error.js';

/** One read of the registry: now, or as it was at a past moment. Lookups answer 404 with the missing thing named. */
export class ReadView {
  constructor(
    readonly model: RegistryReadModel,
    /** null: the live model. */
    readonly asOf: AsOfPoint | null,
  ) {}

  bucket(name: string): BucketState {
    const b = this.model.bucket(name);
    if (!b) throw apiError(ErrorCodes.notFound, `bucket ${name} not found${this.when()}`, { bucket: name });
    return b;
  }

  version(bucket: string, ref: string): VersionState {
    this.bucket(bucket);
    const v = this.model.version(bucket, ref);
    if (!v) throw apiError(ErrorCodes.notFound, `version ${ref} not found in bucket ${bucket}${this.when()} (give its id, fingerprint or name)`, { bucket, version: ref });
    return v;
  }

  /** The answer, saying which moment it describes when that is not now. */
  answer<T extends object>(body: T): T & { as_of?: AsOfPoint } {
    return this.asOf ? { ...body, as_of: this.asOf } : body;
  }

  private when(): string {
    return this.asOf ? ` as of ${this.asOf.time} (log position ${this.asOf.position})` : '';
  }
}

/**
 * The gateway's read models. Writes and plain reads use the live one; `?as_of=` reads replay
 * the gateway's in-memory copy of the log into a model of that moment (see AsOfModels).
 */
@Injectable()
export class ReadAccess {
  readonly history: CommitHistory;
  private readonly past: AsOfModels;

  constructor(@Inject(RegistryLog) private readonly log: RegistryLog) {
    if (!log.history) throw new Error('the gateway needs the commit history (RegistryLog.open with history: true)');
    this.history = log.history;
    this.past = new AsOfModels(log.history);
  }

  /** The live model: read it per request, a rebuild swaps it. */
  get model(): RegistryReadModel {
    return this.log.model;
  }

  get live(): ReadView {
    return new ReadView(this.log.model, null);
  }

  /** Which moment `?as_of=` names (null when absent); 400 naming as_of when it names none. */
  point(asOf: string | undefined): AsOfPoint | null {
    const parsed = parseAsOf(asOf);
    return parsed ? this.history.resolve(parsed) : null;
  }

  /**
   * The registry now, or at `?as_of=`. `bucket` replays only that bucket's commits: give it only
   * for answers that read nothing outside the bucket.
   */
  at(asOf: string | undefined, scope: { bucket?: string } = {}): ReadView {
    const point = this.point(asOf);
    return point ? new ReadView(this.past.model(point, scope.bucket ?? null), point) : this.live;
  }

  bucket(name: string): BucketState {
    return this.live.bucket(name);
  }

  version(bucket: string, ref: string): VersionState {
    return this.live.version(bucket, ref);
  }
}
