// Cascade benchmark: revoke the root of a tree of 10,000 descendant versions (4 levels, 16
// buckets, channels on some of them) and time it until every descendant is revoked and every
// affected channel has rolled back, beside a raw JetStream append rate measured in the same run
// (distinct subjects, expected revision, the cascade's concurrency, commits of the same size).
// Usage: npm run build && node test/bench/cascade.mjs
import { randomUUID } from 'node:crypto';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { ulid } from 'ulid';
import { EventStore } from '../../libs/eventstore-client/dist/index.js';
import { LogSeeder, startGilt } from '../../libs/testing/dist/index.js';
import { fmt, printRow, runConcurrent, summarize } from './bench-kit.mjs';

/** Versions per level under the root: 10 + 90 + 900 + 9,000 = 10,000. */
const LEVELS = [10, 90, 900, 9000];
const BUCKETS_PER_LEVEL = 4;
/** Per bucket: channels that roll back to a safe version, and channels left empty. */
const ROLLBACK_CHANNELS = 10;
const EMPTIED_CHANNELS = 2;
/** The revocation service keeps this many appends in flight (services/revocation/src/cascade.ts). */
const CONCURRENCY = 64;

const gilt = await startGilt({ services: [] });
const store = await EventStore.connect({ servers: gilt.nats.url, name: 'bench-cascade' });
try {
  // ---- the tree, written straight to the log ----------------------------------------------
  const seeder = new LogSeeder(store);
  const buckets = ['bench-root', ...LEVELS.flatMap((_, l) => Array.from({ length: BUCKETS_PER_LEVEL }, (_, b) => `bench-l${l + 1}-${b}`))];
  await seeder.buckets(buckets);
  const counters = new Map(buckets.map((b) => [b, 0]));
  const make = (bucket, source) => {
    const n = counters.get(bucket) + 1;
    counters.set(bucket, n);
    return { bucket, id: ulid(), name: `v${n}`, artifact: `ami-${bucket}-${n}`, source };
  };
  const root = make('bench-root', null);
  const safe = new Map(buckets.slice(1).map((b) => [b, make(b, null)]));
  const tree = [];
  let parents = [root];
  LEVELS.forEach((count, l) => {
    const level = Array.from({ length: count }, (_, i) => make(`bench-l${l + 1}-${i % BUCKETS_PER_LEVEL}`, parents[i % parents.length].artifact));
    tree.push(...level);
    parents = level;
  });
  const seeding = performance.now();
  await seeder.versions([root, ...safe.values(), ...tree]);
  let channels = 0;
  for (const bucket of buckets.slice(1)) {
    const mine = tree.filter((v) => v.bucket === bucket);
    for (let c = 0; c < ROLLBACK_CHANNELS + EMPTIED_CHANNELS; c++) {
      const target = mine[(c * 37) % mine.length].id;
      await seeder.channel(bucket, `ch${c}`, c < ROLLBACK_CHANNELS ? [safe.get(bucket).id, target] : [target]);
      channels++;
    }
  }
  console.log(`cascade benchmark: ${tree.length} descendants over ${LEVELS.length} levels in ${buckets.length - 1} buckets, ${channels} channels (${buckets.length - 1} x ${EMPTIED_CHANNELS} left empty); seeded in ${fmt((performance.now() - seeding) / 1000, 2)} s`);

  // ---- raw baseline: one commit-sized message per subject, expected revision 0 -----------------
  const nc = await connect({ servers: gilt.nats.url });
  const js = jetstream(nc);
  await (await jetstreamManager(nc)).streams.add({ name: 'BENCH_RAW', subjects: ['bench.raw.>'], storage: 'file' });
  const sample = JSON.stringify({
    stream: `revocation.${root.id}`,
    events: [{ type: 'VersionRevoked', bucket: root.bucket, version_id: root.id, revoked_at: new Date().toISOString(), reason: 'CVE-2026-9999', revocation_type: 'INHERITED', inherited_from: { bucket: root.bucket, version_id: root.id }, skip_descendants: false, disable_rollback: false, channel_rollbacks: [] }],
    meta: { command_id: randomUUID(), actor: 'bench', occurred_at: new Date().toISOString(), correlation_id: randomUUID(), causation_id: randomUUID(), schema_version: 1 },
    prev_hash: '0'.repeat(64),
    hash: '0'.repeat(64),
  });
  const expected = tree.length + 1 + channels;
  const raw = await runConcurrent(expected, CONCURRENCY, (i) => js.publish(`bench.raw.s${i}`, sample, { expect: { lastSubjectSequence: 0 }, msgID: `raw-${i}` }));
  const rawStats = summarize(raw.latencies);
  await nc.close();

  // ---- Gilt: services replay the tree, then the root is revoked over HTTP ---------------------
  const starting = performance.now();
  for (const s of ['ingestion', 'channels', 'revocation', 'gateway']) await gilt.startService(s);
  console.log(`services started (each replayed the log) in ${fmt((performance.now() - starting) / 1000, 2)} s`);

  let revoked = 0;
  let rolledBack = 0;
  let lastAt = 0;
  let resolveDone;
  const done = new Promise((r) => (resolveDone = r));
  const watch = await store.subscribe((await store.head()) + 1, (c) => {
    for (const e of c.events) {
      if (e.type === 'VersionRevoked') revoked++;
      else if (e.type === 'ChannelRolledBack') rolledBack++;
    }
    lastAt = performance.now();
    if (revoked === tree.length + 1 && rolledBack === channels) resolveDone();
  });
  const t0 = performance.now();
  const answer = await gilt.request('POST', `/v1/buckets/${root.bucket}/versions/${root.name}/revoke`, { role: 'contributor', body: { reason: 'CVE-2026-9999' } });
  const answeredMs = performance.now() - t0;
  if (answer.status !== 202) throw new Error(`revoke: ${answer.status} ${answer.text}`);
  let timer;
  const timeout = new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`cascade incomplete after 10 min: ${revoked} revoked, ${rolledBack} rolled back`)), 600_000)));
  await Promise.race([done, timeout]).finally(() => clearTimeout(timer));
  const seconds = (lastAt - t0) / 1000;
  await watch.stop();

  const status = await gilt.request('GET', `/v1/revocations/${root.id}`, { role: 'viewer' });
  const emptied = (await Promise.all(buckets.slice(1).map((b) => gilt.request('GET', `/v1/buckets/${b}/channels/ch${ROLLBACK_CHANNELS}`, { role: 'viewer' })))).filter((r) => r.body.channel.version === null).length;

  printRow(`raw JetStream append (expected revision, ${CONCURRENCY} in flight)`, expected / raw.seconds, 'appends', rawStats.p50, rawStats.p99);
  console.log(`${'Gilt cascade: revoke over HTTP until all done'.padEnd(44)} ${fmt((revoked + rolledBack) / seconds, 0).padStart(8)} events/s   ${revoked} revoked + ${rolledBack} rolled back in ${fmt(seconds, 2)} s (HTTP answer ${answer.status} after ${fmt(answeredMs, 0)} ms)`);
  console.log(`ratio Gilt/raw: ${fmt((revoked + rolledBack) / seconds / (expected / raw.seconds), 3)}`);
  console.log(`check: GET /v1/revocations/{root} complete=${status.body.cascade.complete} done=${status.body.cascade.done}/${status.body.cascade.total}; ${emptied}/${buckets.length - 1} sampled emptied channels are empty`);
} finally {
  await store.close();
  await gilt.stop();
}
