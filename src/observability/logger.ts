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

/**
 * `GET /events?access_token=…` (EventSource clients) must not leave the token in request logs. Runs before the
 * request serializer, so the request keeps everything but its URL (a prototype-linked copy).
 */
export function redactQueryTokens(object: Record<string, unknown>): Record<string, unknown> {
  const req = object.req as { url?: unknown } | undefined;
  if (!req || typeof req.url !== 'string') return object;
  const url = req.url.replace(QUERY_TOKEN, '$1[redacted]');
  if (url === req.url) return object;
  const copy = Object.create(req) as { url: string };
  Object.defineProperty(copy, 'url', { value: url, enumerable: true });
  return { ...object, req: copy };
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
