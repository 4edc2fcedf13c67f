// Resolve benchmark: GET .../channels/prod/artifact at 32 connections, beside a bare fastify
// JSON hello-world measured in the same run. Target: ratio >= 0.5.
// Usage: npm run build && node test/bench/resolve.mjs [seconds=10]
import { spawn } from 'node:child_process';
import autocannon from 'autocannon';
import { freePort, startGilt } from '../../libs/testing/dist/index.js';
import { fmt, printRow } from './bench-kit.mjs';

const SECONDS = Number(process.argv[2] ?? 10);
const CONNECTIONS = 32;

const load = (url, headers = {}) =>
  new Promise((resolve, reject) => autocannon({ url, connections: CONNECTIONS, duration: SECONDS, headers }, (err, res) => (err ? reject(err) : resolve(res))));

async function bareFastify() {
  const port = await freePort();
  const src = `import Fastify from 'fastify';
const app = Fastify();
app.get('/', async () => ({ hello: 'world' }));
await app.listen({ port: ${port}, host: '127.0.0.1' });
console.log('ready');`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', src], { cwd: new URL('../..', import.meta.url).pathname, stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise((r) => child.stdout.once('data', r));
  return { url: `http://127.0.0.1:${port}/`, stop: () => child.kill() };
}

const gilt = await startGilt();
try {
  const manifest = {
    builds: [{ name: 'amazon-ebs.ubuntu', builder_type: 'amazon-ebs', build_time: 1, files: null, artifact_id: 'us-east-1:ami-0123456789abcdef0,us-west-2:ami-0fedcba9876543210', packer_run_uuid: 'r', custom_data: { team: 'platform' } }],
    last_run_uuid: 'r',
  };
  await gilt.request('POST', '/v1/buckets/bench/publish', { role: 'contributor', body: { manifest, fingerprint: 'fp1' } });
  await gilt.request('PUT', '/v1/buckets/bench/channels/prod', { role: 'contributor', body: { version: 'v1', create: true } });
  const url = `${gilt.url}/v1/buckets/bench/channels/prod/artifact?platform=aws&region=us-east-1`;
  const probe = await gilt.request('GET', url.slice(gilt.url.length), { role: 'viewer' });
  if (probe.status !== 200) throw new Error(`resolve probe: ${probe.status} ${probe.text}`);

  console.log(`resolve benchmark: ${CONNECTIONS} connections, ${SECONDS} s each`);
  const bare = await bareFastify();
  await load(bare.url, {}); // warm-up of the load generator and the JIT
  const baseline = await load(bare.url);
  bare.stop();
  const auth = { authorization: `Bearer ${gilt.tokens.viewer}` };
  await load(url, auth);
  const res = await load(url, auth);
  if (res.non2xx > 0 || res.errors > 0) throw new Error(`resolve run had ${res.non2xx} non-2xx answers and ${res.errors} errors`);

  printRow('bare fastify JSON hello-world', baseline.requests.average, 'req', baseline.latency.p50, baseline.latency.p99);
  printRow('Gilt resolve (auth, read model, ETag)', res.requests.average, 'req', res.latency.p50, res.latency.p99);
  console.log(`ratio Gilt/bare: ${fmt(res.requests.average / baseline.requests.average, 3)} (target >= 0.5)`);
} finally {
  await gilt.stop();
}
