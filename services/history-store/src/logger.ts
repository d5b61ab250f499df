import pino, { type Logger } from 'pino';
import type { LogLevel } from './config';

export type { Logger } from 'pino';

/** The service's JSON logger (pino, one object per line on stdout). */
export function createLogger(level: LogLevel): Logger {
  return pino({ level, base: { service: 'history-store' } });
}
