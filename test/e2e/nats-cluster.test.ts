import { afterAll, describe, expect, it } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { EVENT_SCHEMA_VERSION } from '@gilt/contracts';
import { EventStore } from '@gilt/eventstore-client';
import { findBinary, freePort, REPO_ROOT } from '@gilt/testing';

// The 3-node cluster configs in deploy/nats, started on this machine (ports and data dirs
// overridden so nothing collides), carrying the log with 3 replicas through the loss of a node.

const nodes: ChildProcess[] = [];
const dirs: string[] = [];

afterAll(() => {
  for (const n of nodes) n.kill('SIGKILL');
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

const meta = (id: string) => ({ command_id: id, actor: 'cluster-test', occurred_at: new Date().toISOString(), correlation_id: id, causation_id: null, schema_version: EVENT_SCHEMA_VERSION });

/** Retries while the cluster elects a leader (at start, and after a node dies); requests time out meanwhile. */
async function duringElection<T>(attempt: () => Promise<T>, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      return await attempt();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

describe('deploy/nats/cluster', () => {
  it('forms a JetStream cluster that keeps the log (3 replicas) writable and complete when a node dies', async () => {
    const ports = await Promise.all([1, 2, 3].map(async () => ({ client: await freePort(), cluster: await freePort(), http: await freePort() })));
    const routes = ports.map((p) => `nats://127.0.0.1:${p.cluster}`).join(',');
    for (const [i, p] of ports.entries()) {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), `gilt-cluster-${i + 1}-`));
      dirs.push(dir);
      // nats-server refuses -sd beside a store_dir in the file, so the copy gets its own data dir.
      const shipped = fs.readFileSync(path.join(REPO_ROOT, 'deploy', 'nats', 'cluster', `node-${i + 1}.conf`), 'utf8');
      expect(shipped).toMatch(/store_dir: \/var\/lib\/gilt\/nats/);
      const conf = path.join(dir, 'node.conf');
      fs.writeFileSync(conf, shipped.replace(/store_dir: .*/, `store_dir: ${JSON.stringify(path.join(dir, 'js'))}`));
      nodes.push(
        spawn(findBinary('nats-server'), ['-c', conf, '-a', '127.0.0.1', '-p', String(p.client), '-m', String(p.http), '--cluster', `nats://127.0.0.1:${p.cluster}`, '--routes', routes], {
          stdio: 'ignore',
        }),
      );
    }
    const servers = ports.map((p) => `nats://127.0.0.1:${p.client}`).join(',');
    const store = await duringElection(() => EventStore.connect({ servers, name: 'cluster-test', replicas: 3 }), 45_000);
    try {
      const info = await (await jetstreamManager(store.nc)).streams.info(store.streamName);
      expect(info.config.num_replicas).toBe(3);
      expect(info.cluster?.name).toBe('gilt');
      let revision = 0;
      for (let i = 0; i < 5; i++) {
        const r = await store.append('bucket.cluster-test', [{ type: 'BucketUpdated', bucket: 'cluster-test', description: `d${i}` }], { expectedRevision: revision, meta: meta(`c-${i}`) });
        revision = r.position;
      }
      nodes[2]!.kill('SIGKILL');
      // Two of three replicas are a quorum: after a short re-election (requests time out while
      // the stream or the cluster has no leader) writes and reads go on. A retried append reuses
      // its command id, so it lands once.
      for (let i = 5; i < 8; i++) {
        const r = await duringElection(() =>
          store.append('bucket.cluster-test', [{ type: 'BucketUpdated', bucket: 'cluster-test', description: `d${i}` }], { expectedRevision: revision, meta: meta(`c-${i}`) }),
        );
        revision = r.position;
      }
      const commits = await duringElection(() => store.read('bucket.cluster-test'));
      expect(commits.map((c) => (c.events[0] as { description: string }).description)).toEqual(['d0', 'd1', 'd2', 'd3', 'd4', 'd5', 'd6', 'd7']);
    } finally {
      await store.close();
    }
  });
});
