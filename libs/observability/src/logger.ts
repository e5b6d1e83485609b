import pino, { type Logger } from 'pino';
import type { LoggerService } from '@nestjs/common';
import { redactText, redactValue } from './redact';

export type { Logger } from 'pino';

export interface LoggerOptions {
  app: string;
  instanceId?: string;
  level?: string;
  /** Where JSON lines go; defaults to stdout. */
  destination?: pino.DestinationStream;
}

/** JSON logger with secret redaction applied to every field and message. */
export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      base: { app: options.app, instance: options.instanceId, pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: {
        level: (label) => ({ level: label }),
        log: (object) => redactValue(object) as Record<string, unknown>,
      },
      hooks: {
        logMethod(args, method) {
          // An Error passed first would have its message copied into `msg` by pino after the formatters ran.
          const [first, ...rest] = args as unknown[];
          const scrubbed: unknown[] = first instanceof Error ? [{ err: redactValue(first) }, ...(rest.length > 0 ? rest : [first.message])] : [first, ...rest];
          method.apply(this, scrubbed.map((a) => (typeof a === 'string' ? redactText(a) : a)) as Parameters<typeof method>);
        },
      },
    },
    options.destination ?? pino.destination({ sync: false }),
  );
}

/** Adapts pino to Nest's LoggerService so framework logs are JSON and redacted too. */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, context?: string): void {
    this.write('info', message, context);
  }
  error(message: unknown, stackOrContext?: string, context?: string): void {
    this.write('error', message, context ?? stackOrContext, context ? stackOrContext : undefined);
  }
  warn(message: unknown, context?: string): void {
    this.write('warn', message, context);
  }
  debug(message: unknown, context?: string): void {
    this.write('debug', message, context);
  }
  verbose(message: unknown, context?: string): void {
    this.write('trace', message, context);
  }
  fatal(message: unknown, context?: string): void {
    this.write('fatal', message, context);
  }

  private write(level: pino.Level, message: unknown, context?: string, stack?: string): void {
    const fields: Record<string, unknown> = {};
    if (context) fields['context'] = context;
    if (stack) fields['stack'] = stack;
    if (typeof message === 'string') this.logger[level](fields, message);
    else this.logger[level]({ ...fields, detail: message });
  }
}
