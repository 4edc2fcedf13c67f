/** NATS subjects and stream names, in one place. */

export const LOG_STREAM = 'GILT_LOG';
export const LOG_SUBJECT_PREFIX = 'gilt.ev';

export const bucketStream = (bucket: string) => `bucket.${bucket}`;
export const channelStream = (bucket: string, channel: string) => `channel.${bucket}.${channel}`;
export const revocationStream = (versionId: string) => `revocation.${versionId}`;
export const webhookStream = (webhookId: string) => `webhook.${webhookId}`;

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
  revocation: {
    revoke: 'gilt.cmd.revocation.revoke',
    schedule: 'gilt.cmd.revocation.schedule',
    cancel: 'gilt.cmd.revocation.cancel',
    restore: 'gilt.cmd.revocation.restore',
  },
  notifier: {
    registerWebhook: 'gilt.cmd.notifier.register-webhook',
    deleteWebhook: 'gilt.cmd.notifier.delete-webhook',
    redeliver: 'gilt.cmd.notifier.redeliver',
  },
} as const;

export const Queries = {
  ingestion: { health: 'gilt.qry.ingestion.health' },
  channels: { health: 'gilt.qry.channels.health' },
  revocation: { health: 'gilt.qry.revocation.health' },
  ancestry: { health: 'gilt.qry.ancestry.health', relatives: 'gilt.qry.ancestry.relatives' },
  notifier: {
    health: 'gilt.qry.notifier.health',
    listWebhooks: 'gilt.qry.notifier.list-webhooks',
    getWebhook: 'gilt.qry.notifier.get-webhook',
    listDeliveries: 'gilt.qry.notifier.list-deliveries',
  },
} as const;

/** Queue groups: every replica of a service joins its group, so any number can run. */
export const QueueGroups = {
  ingestion: 'gilt-ingestion',
  channels: 'gilt-channels',
  revocation: 'gilt-revocation',
  ancestry: 'gilt-ancestry',
  notifier: 'gilt-notifier',
} as const;

/** Sent to every replica of every service with a projection (no queue group): each one answers. */
export const Broadcasts = {
  /** Rebuild the read model from the log; progress goes to the reply subject (see RebuildProgress). */
  rebuild: 'gilt.cmd.all.rebuild',
} as const;
