#!/usr/bin/env node
// Deploys every version Gilt puts on a `prod` channel, in any bucket: a downstream subscriber
// written with nothing but the plain NATS client.
//
//   GILT_NATS_URL=nats://127.0.0.1:4222 node subscriber.mjs ./deploy.sh [args…]
//
// For each `gilt.channel.assigned` event on `gilt.public.v1.channel.assigned.*.prod` (a plain
// assignment, a promotion, a rollback, all alike: prod now serves this version) it runs the
// deploy script with the event in its environment:
//
//   GILT_EVENT_ID        CloudEvent id (`<log position>-<index>`), unique and stable
//   GILT_BUCKET          bucket name            GILT_CHANNEL   channel name (prod)
//   GILT_VERSION         version name (v3)      GILT_VERSION_ID, GILT_FINGERPRINT
//   GILT_CAUSE           assigned | promoted | rolled_back | latest
//   GILT_ARTIFACTS       JSON [{build, platform, external_id, region}]
//   GILT_ARTIFACT_<PLATFORM>[_<REGION>]   e.g. GILT_ARTIFACT_AWS_US_EAST_1=ami-0abc…
//   GILT_EVENT           the whole CloudEvent, JSON
//
// The consumer is durable (named by GILT_CONSUMER, default deploy-prod): NATS remembers what was
// acknowledged, so events published while this script, Gilt or NATS itself was down are
// delivered when they are back, and none twice. An event is acknowledged only after the script
// exits 0; a failing script gets the same event again 10 s later, and nothing after it runs first.

import { spawn } from 'node:child_process';
import { connect } from '@nats-io/transport-node';
import { AckPolicy, DeliverPolicy, JetStreamApiError, jetstream, jetstreamManager } from '@nats-io/jetstream';

const STREAM = 'GILT_PUBLIC';
const FILTER = 'gilt.public.v1.channel.assigned.*.prod';
const DURABLE = process.env.GILT_CONSUMER || 'deploy-prod';
const RETRY_FAILED_MS = 10_000;

const [command, ...args] = process.argv.slice(2);
if (!command) {
  process.stderr.write('usage: GILT_NATS_URL=nats://host:4222 node subscriber.mjs <deploy command> [args…]\n');
  process.exit(2);
}

const nc = await connect({ servers: process.env.GILT_NATS_URL || 'nats://127.0.0.1:4222', name: `gilt-${DURABLE}`, maxReconnectAttempts: -1 });
const jsm = await jetstreamManager(nc);

// The notifier creates GILT_PUBLIC when it first starts: wait for it rather than fail.
for (;;) {
  try {
    await jsm.consumers.add(STREAM, {
      durable_name: DURABLE,
      filter_subject: FILTER,
      ack_policy: AckPolicy.Explicit,
      // A new consumer starts at the first event Gilt ever published; use DeliverPolicy.New to start from now.
      deliver_policy: DeliverPolicy.All,
      // One at a time, in order: a deploy never overtakes the one before it.
      max_ack_pending: 1,
      ack_wait: 15 * 60 * 1_000_000_000,
    });
    break;
  } catch (err) {
    if (!(err instanceof JetStreamApiError) || !/stream not found/i.test(err.message)) throw err;
    await new Promise((r) => setTimeout(r, 2000));
  }
}

const consumer = await jetstream(nc).consumers.get(STREAM, DURABLE);
process.stderr.write(`deploy-on-prod: consumer ${DURABLE} on ${FILTER}\n`);

// An ack lost to a dropped connection brings the event back: the CloudEvent id says it was done.
let lastDeployed = null;
const after = (a, b) => {
  const [pa, ia] = a.split('-').map(Number);
  const [pb, ib] = b.split('-').map(Number);
  return pa > pb || (pa === pb && ia > ib);
};

for await (const m of await consumer.consume()) {
  const event = m.json();
  if (lastDeployed === null || after(event.id, lastDeployed)) {
    const code = await deploy(event);
    if (code !== 0) {
      process.stderr.write(`deploy-on-prod: ${command} exited ${code} for ${event.id}; retrying in ${RETRY_FAILED_MS / 1000} s\n`);
      m.nak(RETRY_FAILED_MS);
      continue;
    }
    lastDeployed = event.id;
  }
  // Confirmed by the server, so a restart of this script does not deploy it again.
  await m.ackAck().catch(() => undefined);
}

function deploy(event) {
  const d = event.data;
  const env = {
    ...process.env,
    GILT_EVENT_ID: event.id,
    GILT_BUCKET: d.bucket.name,
    GILT_CHANNEL: d.channel.name,
    GILT_VERSION: d.version.name ?? '',
    GILT_VERSION_ID: d.version.id,
    GILT_FINGERPRINT: d.version.fingerprint ?? '',
    GILT_CAUSE: d.cause,
    GILT_ARTIFACTS: JSON.stringify(d.artifacts),
    GILT_EVENT: JSON.stringify(event),
  };
  for (const a of d.artifacts) {
    const name = ['GILT_ARTIFACT', a.platform, a.region].filter(Boolean).join('_').toUpperCase().replace(/[^A-Z0-9_]/g, '_');
    env[name] ??= a.external_id;
  }
  return new Promise((resolve) => {
    const child = spawn(command, args, { env, stdio: 'inherit' });
    child.on('error', (err) => {
      process.stderr.write(`deploy-on-prod: cannot run ${command}: ${err.message}\n`);
      resolve(127);
    });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}
