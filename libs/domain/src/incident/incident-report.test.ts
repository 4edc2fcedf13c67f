import { describe, expect, it } from '@jest/globals';
import type { DomainEvent, StoredCommit } from '@gilt/contracts';
import { RegistryReadModel } from '../read-model/registry-read-model.js';
import { channelStays, incidentReport } from './incident-report.js';

// A small registry told as commits: base v1 and v2, prod moving from v1 to v2, app v1 built on
// base v2's image, then base v2 revoked with app v1 inheriting it and both prods rolling back.

const at = (n: number) => new Date(Date.UTC(2026, 10, 24, 9, 0) + n * 60_000).toISOString();
const V = { b1: 'BASE1', b2: 'BASE2', a1: 'APP1' };

function commit(position: number, actor: string, events: DomainEvent[]): StoredCommit {
  return {
    position,
    stream: `s.${position}`,
    events,
    meta: { command_id: `c${position}`, actor, occurred_at: at(position), correlation_id: `c${position}`, causation_id: null, schema_version: 1 },
    prev_hash: '',
    hash: '',
  };
}

function version(bucket: string, id: string, name: string, artifact: string, source: string | null): DomainEvent[] {
  return [
    { type: 'VersionStarted', bucket, version_id: id, fingerprint: `fp-${id}`, expected_builds: null },
    {
      type: 'BuildCompleted',
      bucket,
      version_id: id,
      build: {
        build_id: `${id}-b`,
        name: 'amazon-ebs.image',
        builder_type: 'amazon-ebs',
        platform: 'aws',
        packer_run_uuid: `run-${id}`,
        artifacts: [{ external_id: artifact, region: 'us-east-1' }],
        labels: {},
        source_external_id: source,
        parent_channel: null,
        parent_version_id: null,
        build_time: null,
      },
    },
    { type: 'VersionCompleted', bucket, version_id: id, name },
  ];
}

const assigned = (bucket: string, version_id: string, previous_version_id: string | null, reason: string): DomainEvent => ({
  type: 'ChannelAssigned',
  bucket,
  channel: 'prod',
  version_id,
  previous_version_id,
  reason,
  promoted_from: null,
});

const revoked = (bucket: string, version_id: string, inherited: boolean): DomainEvent => ({
  type: 'VersionRevoked',
  bucket,
  version_id,
  revoked_at: at(9),
  reason: 'kernel | panic\non boot',
  revocation_type: inherited ? 'INHERITED' : 'MANUAL',
  inherited_from: inherited ? { bucket: 'base', version_id: V.b2 } : null,
  skip_descendants: false,
  disable_rollback: false,
  channel_rollbacks: [{ bucket, channel: 'prod', to_version_id: inherited ? null : V.b1 }],
});

const log: StoredCommit[] = [
  commit(1, 'ci', [{ type: 'BucketCreated', bucket: 'base', description: '', labels: {} }]),
  commit(2, 'ci', version('base', V.b1, 'v1', 'ami-b1', 'ami-upstream')),
  commit(3, 'alice', [{ type: 'ChannelCreated', bucket: 'base', channel: 'prod', restricted: false }, assigned('base', V.b1, null, 'first')]),
  commit(4, 'ci', version('base', V.b2, 'v2', 'ami-b2', 'ami-upstream')),
  commit(5, 'alice', [assigned('base', V.b2, V.b1, 'CVE fix')]),
  commit(6, 'ci', [{ type: 'BucketCreated', bucket: 'app', description: '', labels: {} }]),
  commit(7, 'ci', version('app', V.a1, 'v1', 'ami-a1', 'ami-b2')),
  commit(8, 'bob', [{ type: 'ChannelCreated', bucket: 'app', channel: 'prod', restricted: false }, assigned('app', V.a1, null, 'ship')]),
  commit(9, 'carol', [revoked('base', V.b2, false)]),
  commit(10, 'carol', [revoked('app', V.a1, true)]),
  commit(11, 'carol', [{ type: 'ChannelRolledBack', bucket: 'base', channel: 'prod', from_version_id: V.b2, to_version_id: V.b1, reason: 'base v2 revoked', because_revocation_of: V.b2 }]),
  commit(12, 'carol', [{ type: 'ChannelRolledBack', bucket: 'app', channel: 'prod', from_version_id: V.a1, to_version_id: null, reason: 'app v1 revoked', because_revocation_of: V.b2 }]),
];

function modelAt(position: number): RegistryReadModel {
  const model = new RegistryReadModel(() => Date.parse(at(position)));
  for (const c of log.slice(0, position)) model.apply(c);
  return model;
}

const report = (position: number, versionId = V.b2) => {
  const model = modelAt(position);
  return incidentReport({ model, version: model.versions.get(versionId)!, commits: log.slice(0, position), generatedAt: at(20), asOf: null });
};

/** The rows of the Markdown table under a `## heading`. */
function section(md: string, heading: string): string[] {
  const body = md.split(`## ${heading}\n\n`)[1]!.split('\n## ')[0]!;
  return body.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('|---'));
}

describe('incidentReport', () => {
  const md = report(12);

  it('names the version, its status and what moment it describes', () => {
    expect(md.startsWith('# Incident report: base:v2\n')).toBe(true);
    expect(md).toContain('| Version | v2 (`BASE2`) |');
    expect(md).toContain('| Status | REVOKED |');
    expect(md).toContain('| Report | current (log position 12) |');
  });

  it('tells when and from what it was built', () => {
    expect(md).toContain(`Started ${at(4)} by ci; completed ${at(4)} as v2.`);
    expect(section(md, 'Built')[1]).toBe('| amazon-ebs.image | amazon-ebs | aws | DONE | us-east-1: `ami-b2` | `ami-upstream` | run-BASE2 |');
    expect(section(md, 'Parents')).toEqual([]);
    expect(md).toContain('No parent in the registry.');
    expect(section(report(12, V.a1), 'Parents')).toEqual(['| Depth | Version | Status | Via |', '| 1 | base:v2 | REVOKED | app:v1 |']);
  });

  it('lists children and every stay in a channel with how it came and went', () => {
    expect(section(md, 'Children and descendants')[1]).toBe(`| 1 | app:v1 | REVOKED | base:v2 | ${at(7)} |`);
    expect(section(md, 'Channels')).toEqual([
      '| Channel | From | Until | How | By | Why | Left |',
      `| latest | ${at(4)} | ${at(9)} | newest usable version | ci | v2 completed | assigned by carol: v2 revoked |`,
      `| prod | ${at(5)} | ${at(11)} | assigned | alice | CVE fix | rolled back by carol: base v2 revoked |`,
    ]);
  });

  it('says who revoked it and why (escaped for a table), and what rolled back', () => {
    expect(md).toContain('| By | carol |');
    expect(md).toContain('| Why | kernel \\| panic on boot |');
    expect(md).toContain('| Type | MANUAL |');
    expect(section(md, 'Rollbacks')).toEqual([
      '| When | Channel | From | To | Who | Why |',
      `| ${at(11)} | base:prod | v2 | v1 | carol | base v2 revoked |`,
      `| ${at(12)} | app:prod | v1 | (empty) | carol | app v1 revoked |`,
    ]);
  });

  it('lists the descendants affected and a timeline of every event about them', () => {
    expect(md).toContain('1 descendant(s); 1 revoked or scheduled for revocation with this version.');
    expect(section(md, 'Descendants affected')[1]).toBe(`| app:v1 | REVOKED | INHERITED from base:v2 by carol: kernel \\| panic on boot | - | prod (${at(12)}) |`);
    const timeline = section(md, 'Timeline').slice(1);
    expect(timeline.map((r) => r.split(' | ')[1])).toEqual(['4', '4', '4', '5', '7', '7', '7', '8', '9', '10', '11', '12']);
    expect(timeline[4]).toBe(`| ${at(7)} | 7 | ci | app: started version v1 (fingerprint fp-APP1) | - |`);
  });

  it('describes the past as it was then', () => {
    const before = report(8);
    expect(before).toContain('| Status | ACTIVE |');
    expect(before).toContain('Not revoked.');
    expect(before).toContain('No channel rolled back off this version.');
    expect(section(before, 'Channels')[2]).toBe(`| prod | ${at(5)} | now | assigned | alice | CVE fix | - |`);
    expect(section(report(3, V.b1), 'Descendants affected')).toEqual([]);
  });
});

describe('channelStays', () => {
  it('opens a stay when the channel comes to the version and closes it when it leaves; restricting does not move it', () => {
    const model = modelAt(12);
    model.apply(commit(13, 'dave', [{ type: 'ChannelRestricted', bucket: 'base', channel: 'prod', restricted: true }]));
    model.apply(commit(14, 'dave', [assigned('base', V.b1, V.b1, 'again')]));
    model.apply(commit(15, 'dave', [{ type: 'ChannelDeleted', bucket: 'base', channel: 'prod' }]));
    const prod = model.channels.get('base')!.get('prod')!;
    expect(channelStays(prod, V.b1).map((s) => [s.from, s.until, s.how])).toEqual([
      [at(3), at(5), 'assigned'],
      [at(11), at(15), 'rolled back to it'],
    ]);
  });
});
