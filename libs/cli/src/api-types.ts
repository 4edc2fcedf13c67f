/** The JSON shapes the gateway answers with (services/gateway/src/presenters.ts), as far as the CLI reads them. */

export interface ArtifactView {
  external_id: string;
  region: string;
}

export interface BuildView {
  id?: string;
  name: string;
  builder_type: string;
  platform?: string;
  status: string;
  packer_run_uuid?: string;
  artifacts?: ArtifactView[];
  labels?: Record<string, string>;
  source_external_id?: string | null;
  failure_reason?: string | null;
}

export interface VersionView {
  id: string;
  bucket?: string;
  fingerprint: string;
  name: string | null;
  status: string;
  expected_builds?: string[] | null;
  builds?: BuildView[];
  channels?: string[];
  author?: string;
  created_at?: string;
  completed_at?: string | null;
  updated_at?: string;
  revoke_at?: string | null;
}

export interface BucketView {
  name: string;
  description?: string | null;
  labels?: Record<string, string>;
  version_count?: number;
  latest_version?: { id: string; name: string | null; fingerprint: string } | null;
  platforms?: string[];
  created_at?: string;
  updated_at?: string;
}

export interface ChannelView {
  name: string;
  bucket: string;
  managed?: boolean;
  restricted?: boolean;
  version: VersionView | null;
  author?: string;
  created_at?: string;
  updated_at?: string;
}

export interface VersionRefView {
  id: string;
  name: string | null;
  fingerprint?: string | null;
  deleted?: boolean;
}

export interface HistoryEntryView {
  position?: number;
  at: string;
  actor: string;
  action: string;
  version: VersionRefView | null;
  previous_version: VersionRefView | null;
  reason: string | null;
  promoted_from?: string | null;
  because_revocation_of?: string | null;
}

export interface PublishResponse {
  version: VersionView;
  changed: boolean;
  message?: string;
}

export interface ResolveResponse {
  external_id: string;
  version: { id: string; name: string | null };
  build?: BuildView;
  labels?: Record<string, string>;
  revoked?: boolean;
  revoke_at?: string | null;
}

export function versionShort(v: { id: string; name?: string | null; deleted?: boolean } | null | undefined): string {
  if (!v) return '-';
  const base = v.name && v.name !== 'v0' ? v.name : v.id;
  return v.deleted ? `${base} (deleted)` : base;
}
