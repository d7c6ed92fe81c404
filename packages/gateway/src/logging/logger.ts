import { pino, type Logger, type LevelWithSilent } from 'pino';

export type { Logger };

/** The one logger of a process; modules take child loggers (`requestId`, `party`, `topic`…). */
export function createLogger(level: LevelWithSilent, options: { pretty?: boolean } = {}): Logger {
  return pino({
    level,
    redact: { paths: ['req.headers.authorization', 'authorization', '*.password', '*.secret'], censor: '***' },
    ...(options.pretty ? { transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'HH:MM:ss.l' } } } : {}),
  });
}
