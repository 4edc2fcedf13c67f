/**
 * The incident report for one version, in Markdown: what an SRE pastes into the incident
 * document. Pure: everything comes from a read model (live or as of a moment) and the commits
 * that mention the version or its descendants.
 */
import type { DomainEvent, StoredCommit } from '@gilt/contracts';
import type { VersionState } from '../bucket/bucket-state.js';
import type { ChannelState, HistoryEntry } from '../channel/channel-state.js';
import { modelNamer, summarizeEvent, type VersionNamer } from '../history/event-summary.js';
import { versionIdsOf } from '../history/event-refs.js';
import type { RegistryReadModel } from '../read-model/registry-read-model.js';

export interface IncidentInput {
  model: RegistryReadModel;
  version: VersionState;
  /** Commits of the version's bucket and its descendants' buckets, in log order; those that mention none of them are skipped. */
  commits: Iterable<StoredCommit>;
  generatedAt: string;
  /** Set when the report describes a past moment rather than the head of the log. */
  asOf: { position: number; time: string } | null;
}

/** One stay of the version in a channel. */
export interface ChannelStay {
  channel: string;
  from: string;
  /** null: still there. */
  until: string | null;
  by: string;
  how: string;
  reason: string | null;
  left: string | null;
}

interface Row {
  commit: StoredCommit;
  event: DomainEvent;
}

/** Assignment lines only: restricting a channel does not move it. */
const MOVES = new Set<HistoryEntry['action']>(['created', 'assigned', 'unassigned', 'rolled_back', 'deleted']);

/** Every stay of `versionId` in a channel, from the channel's history (which `latest` has too). */
export function channelStays(channel: ChannelState, versionId: string): ChannelStay[] {
  const stays: ChannelStay[] = [];
  let open: ChannelStay | null = null;
  for (const h of channel.history) {
    if (!MOVES.has(h.action)) continue;
    const here = h.action !== 'deleted' && h.version_id === versionId;
    if (open && !here) {
      open.until = h.at;
      open.left = `${h.action.replace('_', ' ')} by ${h.actor}${h.reason ? `: ${h.reason}` : ''}`;
      stays.push(open);
      open = null;
    } else if (!open && here) {
      const how = h.action === 'rolled_back' ? 'rolled back to it' : h.promoted_from ? `promoted from ${h.promoted_from}` : channel.managed ? 'newest usable version' : 'assigned';
      open = { channel: channel.name, from: h.at, until: null, by: h.actor, how, reason: h.reason, left: null };
    }
  }
  if (open) stays.push(open);
  return stays;
}

export function incidentReport(input: IncidentInput): string {
  const { model, version: v } = input;
  const name = modelNamer(model);
  const label = (x: VersionState) => `${x.bucket}:${name(x.bucket, x.id)}`;
  const descendants = model.descendantsOf(v);
  const ids = new Set([v.id, ...descendants.map((d) => d.version.id)]);
  const rows: Row[] = [];
  for (const commit of input.commits) {
    for (const event of commit.events) if (versionIdsOf(event).some((id) => ids.has(id))) rows.push({ commit, event });
  }
  const out: string[] = [];
  const line = (s = '') => out.push(s);

  line(`# Incident report: ${label(v)}`);
  line();
  table(out, ['', ''], [
    ['Bucket', v.bucket],
    ['Version', `${name(v.bucket, v.id)} (\`${v.id}\`)`],
    ['Fingerprint', `\`${v.fingerprint}\``],
    ['Status', model.statusOf(v) + (v.deleted ? ' (deleted)' : '')],
    ['Report', input.asOf ? `as of ${input.asOf.time} (log position ${input.asOf.position})` : `current (log position ${model.position})`],
    ['Generated', input.generatedAt],
  ]);

  line();
  line('## Built');
  line();
  line(`Started ${v.created_at} by ${v.created_by}; ${v.completed_at ? `completed ${v.completed_at} as ${v.name}.` : `not complete (${v.status}).`}`);
  line();
  if (v.builds.length === 0) line('No builds recorded.');
  else {
    table(
      out,
      ['Build', 'Type', 'Platform', 'Status', 'Artifacts', 'Built from', 'Packer run'],
      v.builds.map((b) => {
        const parents = model.parentsOfBuild(b).filter((p) => p.id !== v.id).map(label);
        const source = [b.source_external_id ? `\`${b.source_external_id}\`` : null, b.parent_channel ? `${b.parent_channel.bucket}:${b.parent_channel.channel}` : null, parents.length ? `(${parents.join(', ')})` : null];
        return [
          b.name,
          b.builder_type,
          b.platform || '-',
          b.status === 'FAILED' ? `FAILED: ${b.failure_reason ?? ''}` : b.status,
          b.artifacts.map((a) => (a.region ? `${a.region}: \`${a.external_id}\`` : `\`${a.external_id}\``)).join('<br>') || '-',
          source.filter(Boolean).join(' ') || '-',
          b.packer_run_uuid || '-',
        ];
      }),
    );
  }

  line();
  line('## Parents');
  line();
  const ancestors = model.ancestorsOf(v);
  if (ancestors.length === 0) line('No parent in the registry.');
  else table(out, ['Depth', 'Version', 'Status', 'Via'], ancestors.map((a) => [String(a.depth), label(a.version), model.statusOf(a.version), viaLabel(model, a.via, label)]));

  line();
  line('## Children and descendants');
  line();
  if (descendants.length === 0) line('Nothing in the registry was built on this version.');
  else {
    table(
      out,
      ['Depth', 'Version', 'Status', 'Built on', 'Completed'],
      descendants.map((d) => [String(d.depth), label(d.version), model.statusOf(d.version), viaLabel(model, d.via, label), d.version.completed_at ?? '-']),
    );
  }

  line();
  line('## Channels');
  line();
  const stays = [...(model.channels.get(v.bucket)?.values() ?? [])].flatMap((c) => channelStays(c, v.id)).sort((a, b) => a.from.localeCompare(b.from));
  if (stays.length === 0) line('Never in a channel.');
  else table(out, ['Channel', 'From', 'Until', 'How', 'By', 'Why', 'Left'], stays.map((s) => [s.channel, s.from, s.until ?? 'now', s.how, s.by, s.reason ?? '-', s.left ?? '-']));

  line();
  line('## Revocation');
  line();
  const r = model.revocation(v.id);
  if (!r) line('Not revoked.');
  else {
    const from = r.inherited_from ? model.buckets.get(r.inherited_from.bucket)?.by_id.get(r.inherited_from.version_id) : undefined;
    table(out, ['', ''], [
      ['Status', model.statusOf(v)],
      [r.status === 'scheduled' ? 'Revoke at' : 'Revoked at', r.revoke_at ?? '-'],
      ['By', r.author ?? '-'],
      ['Why', r.reason ?? '-'],
      ['Type', r.revocation_type ?? '-'],
      ['Inherited from', r.inherited_from ? (from ? label(from) : `${r.inherited_from.bucket}:${r.inherited_from.version_id}`) : '-'],
      ['Descendants', r.skip_descendants ? 'left alone (skip descendants)' : 'revoked with it'],
      ['Channel rollback', r.disable_rollback ? 'disabled' : 'channels roll back to their previous valid version'],
    ]);
  }
  const revocationEvents = rows.filter((x) => isRevocationEvent(x.event) && x.event.version_id === v.id);
  if (revocationEvents.length) {
    line();
    timeline(out, revocationEvents, name);
  }

  line();
  line('## Rollbacks');
  line();
  const rollbacks = rows.filter((x) => x.event.type === 'ChannelRolledBack' && (x.event.from_version_id === v.id || x.event.because_revocation_of === v.id));
  if (rollbacks.length === 0) line('No channel rolled back off this version.');
  else {
    table(
      out,
      ['When', 'Channel', 'From', 'To', 'Who', 'Why'],
      rollbacks.map(({ commit, event }) => {
        const e = event as Extract<DomainEvent, { type: 'ChannelRolledBack' }>;
        return [commit.meta.occurred_at, `${e.bucket}:${e.channel}`, e.from_version_id ? name(e.bucket, e.from_version_id) : '(empty)', e.to_version_id ? name(e.bucket, e.to_version_id) : '(empty)', commit.meta.actor, e.reason ?? '-'];
      }),
    );
  }

  line();
  line('## Descendants affected');
  line();
  if (descendants.length === 0) line('None: nothing was built on this version.');
  else {
    const revokedWith = descendants.filter((d) => model.revocation(d.version.id)?.inherited_from?.version_id === v.id).length;
    line(`${descendants.length} descendant(s); ${revokedWith} revoked or scheduled for revocation with this version.`);
    line();
    table(
      out,
      ['Version', 'Status', 'Revocation', 'Channels now', 'Rolled back'],
      descendants.map(({ version: d }) => {
        const dr = model.revocation(d.id);
        const revocation = dr ? `${dr.revocation_type ?? ''}${dr.inherited_from ? ` from ${dr.inherited_from.bucket}:${name(dr.inherited_from.bucket, dr.inherited_from.version_id)}` : ''} by ${dr.author ?? '?'}: ${dr.reason ?? ''}` : '-';
        const channelsNow = model.liveChannels(d.bucket).filter((c) => model.servedVersion(c)?.id === d.id).map((c) => c.name);
        const rolled = rows
          .filter((x) => x.event.type === 'ChannelRolledBack' && x.event.from_version_id === d.id)
          .map((x) => `${(x.event as { channel: string }).channel} (${x.commit.meta.occurred_at})`);
        return [label(d), model.statusOf(d), revocation, channelsNow.join(', ') || '-', rolled.join(', ') || '-'];
      }),
    );
  }

  line();
  line('## Timeline');
  line();
  if (rows.length === 0) line('No events.');
  else timeline(out, rows, name);
  return `${out.join('\n')}\n`;
}

function isRevocationEvent(e: DomainEvent): e is Extract<DomainEvent, { type: 'RevocationScheduled' | 'RevocationCancelled' | 'VersionRevoked' | 'VersionRestored' }> {
  return e.type === 'RevocationScheduled' || e.type === 'RevocationCancelled' || e.type === 'VersionRevoked' || e.type === 'VersionRestored';
}

function viaLabel(model: RegistryReadModel, id: string, label: (v: VersionState) => string): string {
  const v = model.versions.get(id);
  return v ? label(v) : id;
}

function timeline(out: string[], rows: Row[], name: VersionNamer): void {
  table(
    out,
    ['When', 'Position', 'Who', 'What', 'Why'],
    rows.map(({ commit, event }) => {
      const s = summarizeEvent(event, name);
      return [commit.meta.occurred_at, String(commit.position), commit.meta.actor, `${'bucket' in event ? `${event.bucket}: ` : ''}${s.what}`, s.why ?? '-'];
    }),
  );
}

/** A Markdown table; cells are escaped so a `|` or a newline in a reason cannot break it. */
function table(out: string[], headers: string[], rows: string[][]): void {
  out.push(`| ${headers.join(' | ')} |`);
  out.push(`|${headers.map(() => '---').join('|')}|`);
  for (const r of rows) out.push(`| ${r.map(cell).join(' | ')} |`);
}

const cell = (s: string) => s.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
