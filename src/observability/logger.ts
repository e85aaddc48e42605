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
  });
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
