import { pino, type DestinationStream, type Logger } from 'pino';
import type { Config } from './config.js';

export type { Logger };

// One stream per file: every server of a process (the whole graph in `npm start`) appends to it.
const files = new Map<string, DestinationStream>();

/**
 * Asynchronous writes: a line goes out at once when the stream is idle, and lines logged while a
 * write is under way leave together in the next one, so a busy server makes one write call per
 * batch instead of one blocking call per request. pino flushes what is pending when the process
 * exits.
 */
function destination(file: string | undefined): DestinationStream {
  if (!file) return pino.destination({ dest: 1, sync: false });
  let stream = files.get(file);
  if (!stream) {
    stream = pino.destination({ dest: file, sync: false, mkdir: true, append: true });
    files.set(file, stream);
  }
  return stream;
}

/**
 * Structured JSON logs, one object a line. Request lines are built from chosen fields only, never
 * from headers; the redaction is a second guard so a token put in a log object by mistake is
 * still not written.
 */
export function createLogger(
  config: Pick<Config, 'log'>,
  bindings: Record<string, unknown>,
  stream: DestinationStream = destination(config.log.file),
): Logger {
  return pino(
    {
      level: config.log.level,
      base: bindings,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: {
        paths: [
          'authorization',
          'token',
          '*.authorization',
          '*.token',
          'headers.authorization',
          '*.headers.authorization',
        ],
        censor: '[redacted]',
      },
    },
    stream,
  );
}

/** Apollo's logger interface over pino, so Apollo's own warnings land in the same stream. */
export function apolloLogger(logger: Logger) {
  return {
    debug: (message?: unknown) => logger.debug(String(message)),
    info: (message?: unknown) => logger.info(String(message)),
    warn: (message?: unknown) => logger.warn(String(message)),
    error: (message?: unknown) => logger.error(String(message)),
  };
}
