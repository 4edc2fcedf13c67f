import { Injectable, SetMetadata, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ErrorCodes, ROLE_RANK, type Role } from '@gilt/contracts';
import { apiError } from '../http/api-error.js';
import { TokenStore, type Principal } from './token-store.js';

const ROLE_KEY = 'gilt:role';
const PUBLIC_KEY = 'gilt:public';

/** The least role a route needs (reads: viewer; writes: contributor). */
export const RequireRole = (role: Role) => SetMetadata(ROLE_KEY, role);
/** Routes anyone may call: health and the OpenAPI document. */
export const Public = () => SetMetadata(PUBLIC_KEY, true);

export interface AuthedRequest {
  headers: Record<string, string | string[] | undefined>;
  principal?: Principal;
}

@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly tokens: TokenStore,
  ) {}

  canActivate(ctx: ExecutionContext): boolean {
    const targets = [ctx.getHandler(), ctx.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets)) return true;
    const needed = this.reflector.getAllAndOverride<Role>(ROLE_KEY, targets) ?? 'viewer';
    const req = ctx.switchToHttp().getRequest<AuthedRequest>();
    req.principal = authenticate(this.tokens, req.headers.authorization, needed);
    return true;
  }
}

/** Bearer token to principal, or the 401/403 that says what is missing. */
export function authenticate(tokens: TokenStore, header: string | string[] | undefined, needed: Role): Principal {
  const m = typeof header === 'string' ? /^Bearer\s+(\S+)$/i.exec(header) : null;
  if (!m) throw apiError(ErrorCodes.unauthenticated, 'missing bearer token: send "Authorization: Bearer <token>"', { header: 'authorization' });
  const principal = tokens.authenticate(m[1]!);
  if (!principal) throw apiError(ErrorCodes.unauthenticated, 'invalid or revoked token', { header: 'authorization' });
  if (ROLE_RANK[principal.role] < ROLE_RANK[needed]) {
    throw apiError(ErrorCodes.forbidden, `this needs the ${needed} role; token "${principal.name}" has ${principal.role}`, { required_role: needed, role: principal.role });
  }
  return principal;
}
