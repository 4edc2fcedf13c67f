/** NATS subjects and stream names, in one place. */

export const LOG_STREAM = 'GILT_LOG';
export const LOG_SUBJECT_PREFIX = 'gilt.ev';

export const bucketStream = (bucket: string) => `bucket.${bucket}`;
export const channelStream = (bucket: string, channel: string) => `channel.${bucket}.${channel}`;
export const revocationStream = (versionId: string) => `revocation.${versionId}`;

/** Public events for downstream automation: their own stream, CloudEvents 1.0 JSON. */
export const PUBLIC_STREAM = 'GILT_PUBLIC';
export const PUBLIC_SUBJECT_PREFIX = 'gilt.public.v1';

/** Request/reply subjects: `gilt.cmd.<service>.<name>` and `gilt.qry.<service>.<name>`. */
export const Commands = {
  ingestion: {
    createBucket: 'gilt.cmd.ingestion.create-bucket',
    updateBucket: 'gilt.cmd.ingestion.update-bucket',
    deleteBucket: 'gilt.cmd.ingestion.delete-bucket',
    startVersion: 'gilt.cmd.ingestion.start-version',
    recordBuilds: 'gilt.cmd.ingestion.record-builds',
    completeVersion: 'gilt.cmd.ingestion.complete-version',
    deleteVersion: 'gilt.cmd.ingestion.delete-version',
    publish: 'gilt.cmd.ingestion.publish',
  },
  channels: {
    create: 'gilt.cmd.channels.create',
    assign: 'gilt.cmd.channels.assign',
    unassign: 'gilt.cmd.channels.unassign',
    restrict: 'gilt.cmd.channels.restrict',
    delete: 'gilt.cmd.channels.delete',
    rollback: 'gilt.cmd.channels.rollback',
    promote: 'gilt.cmd.channels.promote',
  },
} as const;

export const Queries = {
  ingestion: { health: 'gilt.qry.ingestion.health' },
  channels: { health: 'gilt.qry.channels.health' },
} as const;

/** Queue groups: every replica of a service joins its group, so any number can run. */
export const QueueGroups = {
  ingestion: 'gilt-ingestion',
  channels: 'gilt-channels',
} as const;
