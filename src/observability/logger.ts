import type { LoggerService } from '@nestjs/common';
import { pino, type Logger } from 'pino';

/** The process logger: JSON lines, secrets redacted. */
export function createLogger(level: string, base: Record<string, unknown> = {}): Logger {
  return pino({
    level,
    base: { service: 'apphub-assets', ...base },
    redact: {
      paths: [
        'req.headers.authorization',
        'headers.authorization',
        '*.password',
        '*.databaseUrl',
        '*.connectionString',
        'config.operatorTokens',
        '*.natsSecurity',
        '*.token',
        '*.nkeySeed',
      ],
      censor: '[redacted]',
    },
    formatters: { log: redactQueryTokens },
  });
}

const QUERY_TOKEN = /([?&]access_token=)[^&#\s]*/gi;

/** A URL with its `access_token` query parameter (EventSource clients send their token there) hidden. */
export function redactUrl(url: string): string {
  return url.replace(QUERY_TOKEN, '$1[redacted]');
}

/**
 * `GET /events?access_token=…` (EventSource clients) must not leave the token in any log: the request's URL and a
 * `url` field (5xx answers log the URL they answered) are redacted. Runs before the request serializer, so the
 * request keeps everything but its URL (a prototype-linked copy).
 */
export function redactQueryTokens(object: Record<string, unknown>): Record<string, unknown> {
  let result = object;
  if (typeof object.url === 'string' && redactUrl(object.url) !== object.url)
    result = { ...result, url: redactUrl(object.url) };
  const req = object.req as { url?: unknown } | undefined;
  if (!req || typeof req.url !== 'string') return result;
  const url = redactUrl(req.url);
  if (url === req.url) return result;
  const copy = Object.create(req) as { url: string };
  Object.defineProperty(copy, 'url', { value: url, enumerable: true });
  return { ...result, req: copy };
}

/** Lets Nest log through pino (nestjs-pino needs Node 22). */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, context?: string): void {
    this.logger.info({ context }, String(message));
  }
  error(message: unknown, trace?: string, context?: string): void {
    this.logger.error({ context, trace }, String(message));
  }
  warn(message: unknown, context?: string): void {
    this.logger.warn({ context }, String(message));
  }
  debug(message: unknown, context?: string): void {
    this.logger.debug({ context }, String(message));
  }
  verbose(message: unknown, context?: string): void {
    this.logger.trace({ context }, String(message));
  }
}
