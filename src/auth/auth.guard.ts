import {
  createParamDecorator,
  Inject,
  Injectable,
  SetMetadata,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { DomainError } from '../domain/domain-error.js';
import { ANONYMOUS, findOperator, type Actor, type Scope } from './operator-tokens.js';

const SCOPE_KEY = 'apphub:scope';
const PUBLIC_KEY = 'apphub:public';

/** Marks probes and metrics: answered without a token even when `APPHUB_READ_AUTH=required`. */
export const Public = () => SetMetadata(PUBLIC_KEY, true);
const QUERY_TOKEN_KEY = 'apphub:query-token';

/** Marks a handler as a mutation that needs a bearer token with this scope. */
export const RequireScope = (scope: Scope) => SetMetadata(SCOPE_KEY, scope);

/**
 * Lets a read take the token from the `access_token` query parameter when no Authorization header is sent:
 * for browser EventSource clients, which cannot set headers (`GET /events`). Never for mutations.
 */
export const AcceptQueryToken = () => SetMetadata(QUERY_TOKEN_KEY, true);

type RequestWithActor = FastifyRequest & { actor?: Actor };

/** The actor of the request (`anonymous` for open reads). */
export const CurrentActor = createParamDecorator((_: unknown, context: ExecutionContext): Actor => {
  return context.switchToHttp().getRequest<RequestWithActor>().actor ?? ANONYMOUS;
});

/**
 * Bearer-token auth: mutations need a token with the route's scope (401 without a known token, 403 without the
 * scope); reads are open unless `APPHUB_READ_AUTH=required`. A presented but unknown token is always 401.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(Reflector) private readonly reflector: Reflector,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<RequestWithActor>();
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean | undefined>(PUBLIC_KEY, targets)) {
      request.actor = ANONYMOUS;
      return true;
    }
    const scope = this.reflector.getAllAndOverride<Scope | undefined>(SCOPE_KEY, [
      context.getHandler(),
      context.getClass(),
    ]);
    const header = request.headers.authorization;
    const presented =
      typeof header === 'string' ? /^Bearer\s+(.+)$/i.exec(header.trim())?.[1] : this.queryToken(context, request);
    const actor = presented ? findOperator(this.config.operatorTokens, presented) : null;
    if (presented && !actor) throw new DomainError('unauthorized', 'The bearer token is not known.');
    const needsToken = scope !== undefined || this.config.readAuth === 'required';
    if (needsToken && !actor) {
      throw new DomainError(
        'unauthorized',
        'This endpoint needs an operator token: send "Authorization: Bearer <token>".',
      );
    }
    if (scope && actor && !actor.scopes.has(scope)) {
      throw new DomainError('forbidden', `The token of "${actor.subject}" lacks the scope "${scope}".`, {
        requiredScope: scope,
      });
    }
    request.actor = actor ?? ANONYMOUS;
    return true;
  }

  private queryToken(context: ExecutionContext, request: RequestWithActor): string | undefined {
    const allowed = this.reflector.getAllAndOverride<boolean | undefined>(QUERY_TOKEN_KEY, [
      context.getHandler(),
      context.getClass(),
    ]);
    const token = allowed ? (request.query as Record<string, unknown> | undefined)?.access_token : undefined;
    return typeof token === 'string' && token.length > 0 ? token : undefined;
  }
}
