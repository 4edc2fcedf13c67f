import { Controller, Get, Param, Query } from '@nestjs/common';
import { ErrorCodes, MAX_ANCESTRY_DEPTH, Queries, type AncestryAnswer, type AncestryDirection, type AncestryQuery } from '@gilt/contracts';
import { ancestryOf } from '@gilt/domain';
import { CommandBus } from './command-bus.js';
import { apiError } from './http/api-error.js';
import { ReadAccess } from './read-access.js';

const DIRECTIONS: AncestryDirection[] = ['parents', 'children', 'both'];

/**
 * A version's parents and children across buckets, with up-to-date status. The ancestry service
 * owns the answer; this checks the request and asks it.
 */
@Controller('v1/buckets/:bucket/versions/:version/ancestry')
export class AncestryController {
  constructor(
    private readonly bus: CommandBus,
    private readonly read: ReadAccess,
  ) {}

  @Get()
  get(@Param('bucket') bucket: string, @Param('version') version: string, @Query() q: Record<string, string>): Promise<AncestryAnswer> {
    const direction = (q.direction ?? 'both') as AncestryDirection;
    if (!DIRECTIONS.includes(direction)) throw apiError(ErrorCodes.validation, `direction must be one of ${DIRECTIONS.join(', ')}`, { field: 'direction' });
    const depth = q.depth === undefined ? 1 : Number(q.depth);
    if (!/^[0-9]+$/.test(q.depth ?? '1') || depth < 1 || depth > MAX_ANCESTRY_DEPTH) {
      throw apiError(ErrorCodes.validation, `depth must be a whole number from 1 to ${MAX_ANCESTRY_DEPTH} (1: direct relatives only)`, { field: 'depth' });
    }
    if (q.as_of !== undefined) {
      // The past is answered here, by the same pure function the ancestry service uses, over the
      // gateway's replay of that moment: the ancestry service would otherwise need a second
      // in-memory copy of the whole log just for this.
      const view = this.read.at(q.as_of);
      const past = view.version(bucket, version);
      return Promise.resolve(view.answer({ ...ancestryOf(view.model, past, direction, depth), position: view.asOf!.position }));
    }
    // 404s come from the gateway's own model, which already has every write this client made.
    const v = this.read.version(bucket, version);
    return this.bus.query<AncestryQuery, AncestryAnswer>(Queries.ancestry.relatives, {
      bucket,
      version: v.id,
      direction,
      depth,
      min_position: this.read.model.position,
    });
  }
}
