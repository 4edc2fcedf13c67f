// The downstream example from docs/downstream.md, run as it is documented: a plain NATS
// subscriber with a durable consumer on gilt.public.v1.channel.assigned.*.prod that runs a
// deploy script. Gilt's services, NATS and the subscriber itself are restarted between writes;
// the script must have run once per prod assignment, none missed, none twice.

import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { REPO_ROOT, startGilt, type GiltStack, type ServiceName } from '@gilt/testing';
import { amazonArtifacts, fixtureJson } from './fixtures.js';

const SERVICES: ServiceName[] = ['ingestion', 'channels', 'notifier', 'gateway'];
const manifest = fixtureJson('manifests-cloud', 'amazon-ebs.json');

let gilt: GiltStack;
let dir: string;
let deployLog: string;
let script: string;
let subscriber: ChildProcess | null = null;
let subscriberStderr = '';

beforeAll(async () => {
  gilt = await startGilt({ services: SERVICES });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gilt-deploy-'));
  deployLog = path.join(dir, 'deployed.log');
  script = path.join(dir, 'deploy.sh');
  fs.writeFileSync(script, '#!/bin/sh\necho "$GILT_EVENT_ID $GILT_BUCKET $GILT_CHANNEL $GILT_VERSION $GILT_CAUSE $GILT_ARTIFACT_AWS_US_EAST_1" >> "$DEPLOY_LOG"\n', { mode: 0o755 });
});
afterAll(async () => {
  await stopSubscriber();
  await gilt?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

function startSubscriber(): void {
  subscriber = spawn(process.execPath, [path.join(REPO_ROOT, 'examples', 'deploy-on-prod', 'subscriber.mjs'), script], {
    env: { ...process.env, NODE_OPTIONS: '', GILT_NATS_URL: gilt.nats.url, DEPLOY_LOG: deployLog },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  subscriber.stderr!.on('data', (d: Buffer) => (subscriberStderr = (subscriberStderr + d.toString()).slice(-4000)));
}

async function stopSubscriber(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  const child = subscriber;
  subscriber = null;
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill(signal);
  await exited;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function eventually<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe().catch(() => undefined);
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; subscriber said:\n${subscriberStderr}`);
    await sleep(100);
  }
}

const deployed = () => (fs.existsSync(deployLog) ? fs.readFileSync(deployLog, 'utf8').trim().split('\n').filter(Boolean) : []);
const waitDeployed = (n: number) => eventually(`${n} deploys`, async () => (deployed().length >= n ? deployed() : undefined));

/** A write that rides out a restart: while a service is still reconnecting, the gateway answers 503 and wrote nothing. */
async function write(method: string, url: string, body: unknown, expected: number): Promise<void> {
  const r = await eventually(`${method} ${url}`, async () => {
    const res = await gilt.request(method, url, { body });
    return res.status === 503 ? undefined : res;
  });
  expect({ url, status: r.status, body: r.body }).toMatchObject({ url, status: expected });
}

/** Everything published so far was acknowledged by the subscriber (so a restart cannot lose an ack in flight). */
async function settled(): Promise<void> {
  const nc = await connect({ servers: gilt.nats.url });
  try {
    const jsm = await jetstreamManager(nc);
    await eventually('the subscriber to acknowledge everything', async () => {
      const c = await jsm.consumers.info('GILT_PUBLIC', 'deploy-prod');
      return c.num_pending === 0 && c.num_ack_pending === 0;
    });
  } finally {
    await nc.close();
  }
}

/** After NATS restarts, every service reconnects on its own; wait until each answers again. */
async function readyAfterNatsRestart(): Promise<void> {
  const nc = await connect({ servers: gilt.nats.url });
  try {
    for (const s of ['ingestion', 'channels', 'notifier']) {
      const subject = `gilt.qry.${s}.health`;
      await eventually(`${s} to answer`, async () => !!(await nc.request(subject, JSON.stringify({ pattern: subject, data: {}, id: 'probe' }), { timeout: 500 })));
    }
  } finally {
    await nc.close();
  }
  await eventually('the gateway to reach NATS and JetStream', async () => (await gilt.request('GET', '/healthz', { role: null })).status === 200);
  await eventually('the gateway to reach the services', async () => (await gilt.request('GET', '/v1/webhooks')).status === 200);
}

async function restartGilt(): Promise<void> {
  for (const s of [...SERVICES].reverse()) await gilt.stopService(s);
  for (const s of SERVICES) await gilt.startService(s);
}

it('runs the deploy script once per prod assignment across restarts of Gilt, NATS and the subscriber', async () => {
  startSubscriber();
  await write('POST', '/v1/buckets/api/publish', { manifest, fingerprint: 'a1' }, 201);
  await write('PUT', '/v1/buckets/api/channels/prod', { version: 'v1', create: true }, 200);
  await write('PUT', '/v1/buckets/api/channels/dev', { version: 'v1', create: true }, 200);
  await waitDeployed(1);

  await settled();
  await restartGilt();
  await write('POST', '/v1/buckets/api/publish', { manifest, fingerprint: 'a2' }, 201);
  await write('PUT', '/v1/buckets/api/channels/prod', { version: 'v2' }, 200);
  await waitDeployed(2);

  await settled();
  await gilt.nats.restart();
  await readyAfterNatsRestart();
  await write('PUT', '/v1/buckets/api/channels/staging', { version: 'v1', create: true }, 200);
  await write('POST', '/v1/buckets/api/channels/promote', { from: 'staging', to: 'prod', reason: 'release' }, 200);
  await waitDeployed(3);

  // Written while the subscriber is down: its durable consumer has them waiting.
  await settled();
  await stopSubscriber('SIGKILL');
  await write('POST', '/v1/buckets/api/channels/prod/rollback', { reason: 'bad release' }, 200);
  await write('POST', '/v1/buckets/web/publish', { manifest, fingerprint: 'w1' }, 201);
  await write('PUT', '/v1/buckets/web/channels/prod', { version: 'v1', create: true }, 200);
  startSubscriber();
  const lines = await waitDeployed(5);
  await sleep(1000);
  expect(deployed()).toEqual(lines);

  const ami = amazonArtifacts(manifest.builds[0].artifact_id).find((a) => a.region === 'us-east-1')!.external_id;
  expect(lines.map((l) => l.split(' ').slice(1).join(' '))).toEqual([
    `api prod v1 assigned ${ami}`,
    `api prod v2 assigned ${ami}`,
    `api prod v1 promoted ${ami}`,
    `api prod v2 rolled_back ${ami}`,
    `web prod v1 assigned ${ami}`,
  ]);
  // Exactly the events on the subscribed subject, each once.
  const nc = await connect({ servers: gilt.nats.url });
  try {
    const jsm = await jetstreamManager(nc);
    const last = (await jsm.streams.info('GILT_PUBLIC')).state.last_seq;
    const onProd: string[] = [];
    for (let seq = 1; seq <= last; seq++) {
      const m = await jsm.streams.getMessage('GILT_PUBLIC', { seq });
      if (m && /^gilt\.public\.v1\.channel\.assigned\.[^.]+\.prod$/.test(m.subject)) onProd.push(m.json<{ id: string }>().id);
    }
    expect(lines.map((l) => l.split(' ')[0])).toEqual(onProd);
  } finally {
    await nc.close();
  }
});
