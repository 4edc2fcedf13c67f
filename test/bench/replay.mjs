// Replay benchmark. Writes N events straight into the log (one event per commit, as the
// shell-local per-build publish flow and channel moves write them), then measures in one run:
//   1. a raw JetStream read of the whole stream (consume, max_messages 1000): the baseline,
//      without and with JSON.parse of every message;
//   2. a full replay into the registry projection from JetStream (what every service does at
//      start and `gilt admin rebuild` does), as events/s and as a ratio of the baseline;
//   3. the same replay from memory (what an as-of read does with the gateway's copy of the log);
//   4. the gateway's start (its replay) and, over HTTP, the latency of as-of reads at that size:
//      resolve (replays one bucket), a channel (replays everything), beside a live resolve.
// Usage: npm run build && node test/bench/replay.mjs [events=1000000] [buckets=100]
import { randomBytes } from 'node:crypto';
import { DeliverPolicy, jetstream } from '@nats-io/jetstream';
import { bucketStream, channelStream, EVENT_SCHEMA_VERSION, LOG_STREAM, revocationStream } from '../../libs/contracts/dist/index.js';
import { CommitClock, RegistryReadModel } from '../../libs/domain/dist/index.js';
import { EventStore } from '../../libs/eventstore-client/dist/index.js';
import { startGilt } from '../../libs/testing/dist/index.js';
import { fmt, summarize } from './bench-kit.mjs';

const EVENTS = Number(process.argv[2] ?? 1_000_000);
const BUCKETS = Number(process.argv[3] ?? 100);
/** Simulated history: a year of registry activity ending now, so as-of times are realistic. */
const SPAN_MS = 365 * 24 * 3600_000;

const utf8 = new TextDecoder();
const seconds = (t0) => (performance.now() - t0) / 1000;
const rate = (n, s) => fmt(n / s, 0);

// ---- generation ------------------------------------------------------------------------------

/**
 * Appends one commit per event. Appends to one aggregate are chained (each needs the previous
 * one's position as its expected revision); different aggregates go in parallel.
 */
class Writer {
  heads = new Map();
  tails = new Map();
  written = 0;
  constructor(store, start) {
    this.store = store;
    this.start = start;
  }
  append(stream, event, actor = 'ci') {
    const tail = (this.tails.get(stream) ?? Promise.resolve()).then(async () => {
      const head = this.heads.get(stream) ?? { revision: 0, hash: '' };
      const n = ++this.written;
      const id = randomBytes(13).toString('hex');
      const meta = { command_id: id, actor, occurred_at: new Date(this.start + (n / EVENTS) * SPAN_MS).toISOString(), correlation_id: id, causation_id: null, schema_version: EVENT_SCHEMA_VERSION };
      const r = await this.store.append(stream, [event], { expectedRevision: head.revision, prevHash: head.hash, meta });
      this.heads.set(stream, { revision: r.position, hash: r.hash });
    });
    this.tails.set(stream, tail);
    return tail;
  }
}

const ami = (n) => `ami-${n.toString(16).padStart(17, '0')}`;

/** A version's life: started, two builds (aws from the base image, azure), completed, into dev; every 4th into prod; every 40th revoked. */
async function versionLife(w, bucket, n, state, base) {
  const id = `01J${n.toString(36).toUpperCase().padStart(23, '0')}`;
  const stream = bucketStream(bucket);
  const source = base?.amis.at(-1) ?? 'ami-0upstream0000000';
  await w.append(stream, { type: 'VersionStarted', bucket, version_id: id, fingerprint: `git-${n.toString(16)}`, expected_builds: ['amazon-ebs.image', 'azure-arm.image'] });
  const build = (name, builder_type, platform, artifacts, source_external_id) => ({
    type: 'BuildCompleted',
    bucket,
    version_id: id,
    build: { build_id: `${id}-${builder_type}`, name, builder_type, platform, packer_run_uuid: `run-${n}`, artifacts, labels: { os: 'ubuntu', commit: n.toString(16) }, source_external_id, parent_channel: null, parent_version_id: null, build_time: 1_700_000_000 + n },
  });
  await w.append(stream, build('amazon-ebs.image', 'amazon-ebs', 'aws', [{ external_id: ami(n), region: 'us-east-1' }, { external_id: ami(n + 0x1000000000), region: 'us-west-2' }], source));
  await w.append(stream, build('azure-arm.image', 'azure-arm', 'azure', [{ external_id: `/subscriptions/s/images/${bucket}-${n}`, region: 'westeurope' }], null));
  state.count++;
  await w.append(stream, { type: 'VersionCompleted', bucket, version_id: id, name: `v${state.count}` });
  state.amis.push(ami(n));
  if (state.amis.length > 4) state.amis.shift();
  const toDev = w.append(channelStream(bucket, 'dev'), { type: 'ChannelAssigned', bucket, channel: 'dev', version_id: id, previous_version_id: state.dev, reason: 'nightly build', promoted_from: null });
  const previousDev = state.dev;
  state.dev = id;
  await toDev;
  if (n % 4 === 0) {
    const previous = state.prod;
    state.prod = id;
    await w.append(channelStream(bucket, 'prod'), { type: 'ChannelAssigned', bucket, channel: 'prod', version_id: id, previous_version_id: previous, reason: 'weekly release', promoted_from: 'dev' }, 'release-bot');
  } else if (n % 40 === 1 && previousDev) {
    await w.append(revocationStream(id), { type: 'VersionRevoked', bucket, version_id: id, revoked_at: new Date().toISOString(), reason: 'failed smoke test', revocation_type: 'MANUAL', inherited_from: null, skip_descendants: true, disable_rollback: false, channel_rollbacks: [{ bucket, channel: 'dev', to_version_id: previousDev }] }, 'oncall');
    state.dev = previousDev;
    await w.append(channelStream(bucket, 'dev'), { type: 'ChannelRolledBack', bucket, channel: 'dev', from_version_id: id, to_version_id: previousDev, reason: 'revoked', because_revocation_of: id }, 'oncall');
  }
}

async function generate(store) {
  const w = new Writer(store, Date.now() - SPAN_MS - 60_000);
  const names = Array.from({ length: BUCKETS }, (_, i) => (i < Math.ceil(BUCKETS / 10) ? `base-${i}` : `app-${i}`));
  const states = names.map(() => ({ count: 0, dev: null, prod: null, amis: [] }));
  await Promise.all(names.map((b) => w.append(bucketStream(b), { type: 'BucketCreated', bucket: b, description: `${b} images`, labels: { team: 'platform' } })));
  await Promise.all(names.flatMap((b) => ['dev', 'prod'].map((c) => w.append(channelStream(b, c), { type: 'ChannelCreated', bucket: b, channel: c, restricted: c === 'prod' }))));
  const t0 = performance.now();
  let n = 0;
  let reported = t0;
  // Every bucket runs its versions one after another; buckets run side by side.
  await Promise.all(
    names.map(async (bucket, i) => {
      const base = i >= Math.ceil(BUCKETS / 10) ? states[i % Math.ceil(BUCKETS / 10)] : null;
      while (w.written < EVENTS) {
        await versionLife(w, bucket, ++n, states[i], base);
        if (performance.now() - reported > 5000) {
          reported = performance.now();
          console.error(`  generated ${w.written} events (${rate(w.written, seconds(t0))}/s)`);
        }
      }
    }),
  );
  return { events: w.written, seconds: seconds(t0), buckets: names };
}

// ---- measurements ----------------------------------------------------------------------------

/** The baseline: read every message of the stream, as fast as the client can (`decode`: also JSON.parse it). */
async function rawRead(store, head, decode) {
  const js = jetstream(store.nc);
  const consumer = await js.consumers.get(LOG_STREAM, { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: 1 });
  const t0 = performance.now();
  const msgs = await consumer.consume({ max_messages: 1000 });
  let n = 0;
  // Read from every message, so the work cannot be skipped.
  let bytes = 0;
  for await (const m of msgs) {
    bytes += decode ? JSON.parse(utf8.decode(m.data)).stream.length : m.data.length;
    n++;
    if (m.seq >= head) break;
  }
  await msgs.close();
  return { commits: n, bytes, seconds: seconds(t0) };
}

/** A full replay from the log into a fresh registry projection, as RegistryLog does it. */
async function replayFromLog(store, keep) {
  const clock = new CommitClock();
  const model = new RegistryReadModel(clock.now);
  let events = 0;
  const t0 = performance.now();
  for await (const c of store.readAll()) {
    clock.apply(model, c);
    events += c.events.length;
    keep?.push(c);
  }
  return { model, events, seconds: seconds(t0) };
}

function replayFromMemory(commits) {
  const clock = new CommitClock();
  const model = new RegistryReadModel(clock.now);
  const t0 = performance.now();
  for (const c of commits) clock.apply(model, c);
  return { model, seconds: seconds(t0) };
}

async function latencies(n, task) {
  const out = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await task(i);
    out.push(performance.now() - t0);
  }
  return summarize(out);
}

const gilt = await startGilt({ services: [] });
try {
  const store = await EventStore.connect({ servers: gilt.nats.url, name: 'bench-replay' });
  console.log(`replay benchmark: ${EVENTS} events, ${BUCKETS} buckets, one event per commit`);
  const gen = await generate(store);
  const head = await store.head();
  console.log(`generated ${gen.events} events (${head} commits) in ${fmt(gen.seconds)} s: ${rate(gen.events, gen.seconds)} appends/s, pipelined across aggregates`);

  const bare = await rawRead(store, head, false);
  const parsed = await rawRead(store, head, true);
  let commits = [];
  const log = await replayFromLog(store, commits);
  const memory = replayFromMemory(commits);
  commits = null;
  const row = (label, n, s) => console.log(`${label.padEnd(58)} ${rate(n, s).padStart(9)} commits/s  ${fmt(s, 2).padStart(7)} s`);
  row('raw JetStream read (consume, max_messages 1000)', bare.commits, bare.seconds);
  row('raw JetStream read + JSON.parse', parsed.commits, parsed.seconds);
  row('full replay from JetStream into the registry projection', head, log.seconds);
  row('full replay from memory (as-of path)', head, memory.seconds);
  console.log(`replay events/s: ${rate(log.events, log.seconds)} (from JetStream), ${rate(log.events, memory.seconds)} (from memory)`);
  console.log(`ratio replay/raw read: ${fmt(bare.seconds / log.seconds, 3)} (vs raw + JSON.parse: ${fmt(parsed.seconds / log.seconds, 3)})`);
  // Each series asks about its own bucket: a cached model of one series cannot serve another.
  const [byPosition, byTime, whole] = log.model.liveBuckets().filter((b) => b.name.startsWith('app-')).map((b) => b.name);
  // Free the bench's own models before the gateway holds its own.
  log.model = memory.model = null;

  const t0 = performance.now();
  await gilt.startService('gateway');
  console.log(`gateway start (replays ${head} commits, keeps them for as-of): ${fmt(seconds(t0))} s`);

  const req = async (path) => {
    const r = await gilt.request('GET', path, { role: 'viewer' });
    if (r.status !== 200) throw new Error(`${path}: ${r.status} ${r.text}`);
    return r.body;
  };
  const resolve = (bucket) => `/v1/buckets/${bucket}/channels/dev/artifact?platform=aws&region=us-east-1`;
  await req(resolve(byPosition));
  const live = await latencies(200, () => req(resolve(byPosition)));
  // Moments spread over the log, newest first: no answer comes from the cache, and no cached
  // model can be advanced to the next one. This is the cold cost.
  const positions = Array.from({ length: 200 }, (_, i) => Math.floor(head * (1 - (0.95 * i) / 200)));
  const asOf = await latencies(positions.length, (i) => req(`${resolve(byPosition)}&as_of=${positions[i]}`));
  const asOfTime = await latencies(100, (i) => req(`${resolve(byTime)}&as_of=${new Date(Date.now() - SPAN_MS * (0.05 + (0.9 * i) / 100)).toISOString()}`));
  const full = await latencies(3, (i) => req(`/v1/buckets/${whole}/channels/dev?as_of=${head - 1000 * (i + 1)}`));
  const again = await latencies(20, () => req(`/v1/buckets/${whole}/channels/dev?as_of=${head - 3000}`));
  const show = (label, s) => console.log(`${label.padEnd(58)} p50 ${fmt(s.p50, 2).padStart(9)} ms   p99 ${fmt(s.p99, 2).padStart(9)} ms`);
  show('live resolve (cached answer)', live);
  show(`as-of resolve by position (replays one bucket's commits)`, asOf);
  show('as-of resolve by time', asOfTime);
  show('as-of channel (replays the whole log, first ask)', full);
  show('as-of channel, same moment again (cached model)', again);
  await store.close();
} finally {
  await gilt.stop();
}
