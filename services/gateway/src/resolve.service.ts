import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { ErrorCodes } from '@gilt/contracts';
import type { Principal } from './auth/token-store.js';
import { canSee } from './channels.controller.js';
import { apiError } from './http/api-error.js';
import { ReadAccess } from './read-access.js';

export interface Resolved {
  position: number;
  /** A scheduled revocation changes the answer at this time without a new commit. */
  validUntil: number;
  body: string;
  etag: string;
}

/**
 * Resolve: the one call a deploy makes. Answered from the gateway's own read model, no NATS hop.
 * The ETag is derived from the answer itself, so it changes exactly when the answer does.
 */
@Injectable()
export class ResolveService {
  /** Answers by query, reused until the log moves on: every deploy asks the same few questions. */
  private readonly cache = new Map<string, Resolved>();

  constructor(private readonly read: ReadAccess) {}

  private cached(key: string): Resolved | undefined {
    const hit = this.cache.get(key);
    if (hit && hit.position === this.read.model.position && this.read.model.clock() < hit.validUntil) return hit;
    if (this.cache.size > 10_000) this.cache.clear();
    return undefined;
  }

  resolve(bucket: string, channel: string, q: Record<string, string | undefined>, principal: Principal): Resolved {
    // A past answer is replayed from the bucket's commits and never cached: the cache is for the head of the log.
    const view = q.as_of === undefined ? null : this.read.at(q.as_of, { bucket });
    const model = view?.model ?? this.read.model;
    const key = `${bucket}\u0000${channel}\u0000${q.platform ?? ''}\u0000${q.region ?? ''}\u0000${q.build ?? ''}\u0000${principal.role}`;
    const hit = view ? undefined : this.cached(key);
    if (hit) return hit;
    const c = model.channel(bucket, channel);
    if (!c || !canSee(c, principal)) throw apiError(ErrorCodes.notFound, `channel ${bucket}:${channel} not found`, { bucket, channel });
    const v = model.servedVersion(c);
    if (!v) throw apiError(ErrorCodes.notFound, `channel ${bucket}:${channel} has no version assigned`, { bucket, channel, empty: true });
    const revocation = model.revocation(v.id);
    const { platform, region, build: buildName } = q;
    for (const b of v.builds) {
      if (b.status !== 'DONE' || (platform && b.platform !== platform) || (buildName && b.name !== buildName)) continue;
      const artifact = b.artifacts.find((a) => !region || a.region === region);
      if (!artifact) continue;
      const body = JSON.stringify({
        external_id: artifact.external_id,
        region: artifact.region,
        platform: b.platform,
        bucket,
        channel,
        version: { id: v.id, name: v.name, fingerprint: v.fingerprint },
        build: { id: b.build_id, name: b.name, builder_type: b.builder_type, packer_run_uuid: b.packer_run_uuid },
        labels: b.labels,
        status: model.statusOf(v),
        revoked: model.isRevoked(v.id),
        revoke_at: revocation?.revoke_at ?? null,
        ...(view?.asOf && { as_of: view.asOf }),
      });
      const etag = `"${createHash('sha1').update(body).digest('base64url')}"`;
      const scheduledAt = revocation?.status === 'scheduled' && revocation.revoke_at ? Date.parse(revocation.revoke_at) : Infinity;
      const resolved: Resolved = { position: model.position, validUntil: c.managed ? this.nextLatestChange(bucket) : scheduledAt, body, etag };
      if (!view) this.cache.set(key, resolved);
      return resolved;
    }
    const available = v.builds.filter((b) => b.status === 'DONE').flatMap((b) => b.artifacts.map((a) => `${b.platform}/${a.region || '-'} (${b.name})`));
    throw apiError(ErrorCodes.notFound, `version ${v.name} in ${bucket}:${channel} has no artifact for platform=${platform ?? '*'} region=${region ?? '*'}; available: ${available.join(', ') || 'none'}`, {
      bucket,
      channel,
      version: v.id,
      available,
    });
  }

  /** `latest` may move when any scheduled revocation in the bucket comes due. */
  private nextLatestChange(bucket: string): number {
    let next = Infinity;
    for (const r of this.read.model.revocations.values()) {
      if (r.bucket === bucket && r.status === 'scheduled' && r.revoke_at) next = Math.min(next, Date.parse(r.revoke_at));
    }
    return next;
  }
}
