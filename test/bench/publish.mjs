// Publish benchmark: N versions (3 builds x 2 regions each) through the HTTP API with 16
// concurrent clients, beside a raw JetStream append (with expected revision) in the same run.
// Usage: npm run build && node test/bench/publish.mjs [N=2000]
import { jetstream } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { startGilt } from '../../libs/testing/dist/index.js';
import { printRow, runConcurrent, summarize, fmt } from './bench-kit.mjs';

const N = Number(process.argv[2] ?? 2000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);

function manifest(i) {
  const run = `00000000-0000-0000-0000-${String(i).padStart(12, '0')}`;
  const build = (name, type, regions) => ({
    name,
    builder_type: type,
    build_time: 1795334412,
    files: null,
    artifact_id: regions.map((r, k) => `${r}:ami-${(i * 10 + k).toString(16).padStart(17, '0')}`).join(','),
    packer_run_uuid: run,
    custom_data: { os: 'ubuntu-22.04', version: `1.0.${i}` },
  });
  return {
    builds: [
      build('amazon-ebs.a', 'amazon-ebs', ['us-east-1', 'eu-west-1']),
      build('amazon-ebs.b', 'amazon-ebs', ['us-east-2', 'eu-west-2']),
      build('amazon-ebs.c', 'amazon-ebs', ['us-west-1', 'eu-central-1']),
    ],
    last_run_uuid: run,
  };
}

const gilt = await startGilt(process.env.BENCH_SERVICES ? { services: process.env.BENCH_SERVICES.split(',') } : {});
try {
  console.log(`publish benchmark: ${N} versions, 3 builds x 2 regions each, ${CONCURRENCY} concurrent clients`);

  // Raw baseline: one JetStream append per version, conditional on the subject's last sequence.
  const nc = await connect({ servers: gilt.nats.url });
  const js = jetstream(nc);
  const jsm = await (await import('@nats-io/jetstream')).jetstreamManager(nc);
  await jsm.streams.add({ name: 'BENCH_RAW', subjects: ['bench.raw.>'], storage: 'file' });
  const body = JSON.stringify(manifest(0));
  const raw = await runConcurrent(N, CONCURRENCY, (i) => js.publish(`bench.raw.v${i}`, body, { expect: { lastSubjectSequence: 0 }, msgID: `raw-${i}` }));
  const rawStats = summarize(raw.latencies);
  await nc.close();

  // Gilt: the full path (HTTP, auth, validation, manifest parsing, NATS request, decide, append, projection).
  const buckets = 16;
  const gil = await runConcurrent(N, CONCURRENCY, async (i) => {
    const r = await gilt.request('POST', `/v1/buckets/bench-${i % buckets}/publish`, { role: 'contributor', body: { manifest: manifest(i) } });
    if (r.status !== 201) throw new Error(`publish ${i}: ${r.status} ${r.text}`);
  });
  const giltStats = summarize(gil.latencies);

  printRow('raw JetStream append (expected revision)', N / raw.seconds, 'appends', rawStats.p50, rawStats.p99);
  printRow('Gilt publish over HTTP', N / gil.seconds, 'versions', giltStats.p50, giltStats.p99);
  console.log(`ratio Gilt/raw: ${fmt(N / gil.seconds / (N / raw.seconds), 3)}`);
  const check = await gilt.request('GET', '/v1/buckets/bench-0/versions?page_size=1', { role: 'viewer' });
  console.log(`check: bench-0 has ${check.body.pagination.total} versions, newest ${check.body.versions[0].name} with ${check.body.versions[0].builds.length} builds`);
} finally {
  await gilt.stop();
}
