import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync, watchFile, unwatchFile } from 'node:fs';
import { Logger } from '@nestjs/common';
import type { Role } from '@gilt/contracts';

export interface TokenEntry {
  name: string;
  role: Role;
  sha256: string;
}

export interface Principal {
  name: string;
  role: Role;
}

const ROLES: Role[] = ['viewer', 'contributor', 'admin'];
export const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

/** Bearer tokens, kept as SHA-256 hashes in a JSON file (`{"tokens": [{name, role, sha256}]}`). */
export class TokenStore {
  private tokens = new Map<string, TokenEntry>();
  private readonly logger = new Logger('auth');

  constructor(private readonly file: string) {
    this.load();
    watchFile(file, { interval: 1000 }, () => this.load());
  }

  private load(): void {
    try {
      const doc = JSON.parse(readFileSync(this.file, 'utf8')) as { tokens?: unknown };
      const next = new Map<string, TokenEntry>();
      for (const t of Array.isArray(doc.tokens) ? doc.tokens : []) {
        const e = t as TokenEntry;
        if (typeof e?.sha256 === 'string' && /^[0-9a-f]{64}$/.test(e.sha256) && ROLES.includes(e.role)) next.set(e.sha256, e);
      }
      this.tokens = next;
      this.logger.log(`${next.size} token(s) loaded from ${this.file}`);
    } catch (err) {
      this.logger.error(`cannot read tokens from ${this.file}: ${(err as Error).message}`);
    }
  }

  authenticate(token: string): Principal | null {
    const h = hashToken(token);
    const e = this.tokens.get(h);
    // The map lookup already matched; the constant-time compare keeps timing flat on the hash itself.
    if (!e || !timingSafeEqual(Buffer.from(e.sha256), Buffer.from(h))) return null;
    return { name: e.name, role: e.role };
  }

  close(): void {
    unwatchFile(this.file);
  }
}
