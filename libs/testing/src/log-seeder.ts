// Writes registry facts straight into the log, without HTTP or services: for tests and
// benchmarks that need thousands of versions in seconds. The commits are the ones ingestion and
// channels would write (same events, hash chain and revisions), so every service replays them
// as usual when it starts or follows the log.

import { randomUUID } from 'node:crypto';
import { bucketStream, channelStream, EVENT_SCHEMA_VERSION, type CommitMeta, type DomainEvent } from '@gilt/contracts';
import type { EventStore } from '@gilt/eventstore-client';

export interface SeedVersion {
  bucket: string;
  id: string;
  /** `v1`, `v2`, … unique in the bucket. */
  name: string;
  /** The one artifact (us-east-1) of its one build. */
  artifact: string;
  /** The parent's artifact, or null for a version built from outside the registry. */
  source: string | null;
}

/** Versions per commit: one commit holds the three events of each, well under the 1 MiB message limit. */
const VERSIONS_PER_COMMIT = 200;

export class LogSeeder {
  private readonly heads = new Map<string, { revision: number; hash: string }>();

  constructor(private readonly store: EventStore) {}

  private meta(): CommitMeta {
    return { command_id: randomUUID(), actor: 'seed', occurred_at: new Date().toISOString(), correlation_id: 'seed', causation_id: null, schema_version: EVENT_SCHEMA_VERSION };
  }

  private async append(stream: string, events: DomainEvent[]): Promise<number> {
    const head = this.heads.get(stream) ?? { revision: 0, hash: undefined };
    const r = await this.store.append(stream, events, { expectedRevision: head.revision, prevHash: head.hash, meta: this.meta() });
    this.heads.set(stream, { revision: r.position, hash: r.hash });
    return r.position;
  }

  async buckets(names: string[]): Promise<void> {
    await Promise.all(names.map((bucket) => this.append(bucketStream(bucket), [{ type: 'BucketCreated', bucket, description: 'seeded', labels: {} }])));
  }

  /** Complete versions, in order within each bucket (buckets are written side by side). */
  async versions(list: SeedVersion[]): Promise<void> {
    const byBucket = new Map<string, SeedVersion[]>();
    for (const v of list) byBucket.set(v.bucket, [...(byBucket.get(v.bucket) ?? []), v]);
    await Promise.all(
      [...byBucket].map(async ([bucket, versions]) => {
        for (let i = 0; i < versions.length; i += VERSIONS_PER_COMMIT) {
          await this.append(bucketStream(bucket), versions.slice(i, i + VERSIONS_PER_COMMIT).flatMap(versionEvents));
        }
      }),
    );
  }

  /** A user channel assigned these versions in turn (the last one is current). */
  async channel(bucket: string, channel: string, versionIds: string[]): Promise<void> {
    const events: DomainEvent[] = [{ type: 'ChannelCreated', bucket, channel, restricted: false }];
    let previous: string | null = null;
    for (const version_id of versionIds) {
      events.push({ type: 'ChannelAssigned', bucket, channel, version_id, previous_version_id: previous, reason: 'seeded', promoted_from: null });
      previous = version_id;
    }
    await this.append(channelStream(bucket, channel), events);
  }
}

function versionEvents(v: SeedVersion): DomainEvent[] {
  return [
    { type: 'VersionStarted', bucket: v.bucket, version_id: v.id, fingerprint: `fp-${v.id}`, expected_builds: null },
    {
      type: 'BuildCompleted',
      bucket: v.bucket,
      version_id: v.id,
      build: {
        build_id: `b-${v.id}`,
        name: 'amazon-ebs.image',
        builder_type: 'amazon-ebs',
        platform: 'aws',
        packer_run_uuid: v.id,
        artifacts: [{ external_id: v.artifact, region: 'us-east-1' }],
        labels: {},
        source_external_id: v.source,
        parent_channel: null,
        parent_version_id: null,
        build_time: null,
      },
    },
    { type: 'VersionCompleted', bucket: v.bucket, version_id: v.id, name: v.name },
  ];
}
