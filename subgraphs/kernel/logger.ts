import fs from 'node:fs';
import { pino, type DestinationStream, type Logger } from 'pino';
import { PinoPretty } from 'pino-pretty';
import type { Config } from './config.js';

export type { Logger };

// One stream per file: every server of a process (the whole graph in `npm start`) appends to it.
const files = new Map<string, DestinationStream>();

/** Lines logged to the terminal while a progress bar is drawn there, written once it is done. */
let held: string[] | null = null;

/**
 * Holds the log lines meant for stdout until the returned function is called, so a progress bar
 * redrawn in place is not written over (logs to LOG_FILE are not held). Lines still held when the
 * process exits are written then.
 */
export function holdTerminalLogs(): () => void {
  if (held) return () => {};
  held = [];
  const flushAtExit = () => {
    if (held?.length) fs.writeSync(1, held.join(''));
    held = null;
  };
  process.once('exit', flushAtExit);
  return () => {
    process.off('exit', flushAtExit);
    const lines = held ?? [];
    held = null;
    for (const line of lines) stdout().write(line);
  };
}

/**
 * JSON lines leave in batches: a write once 4 KiB are waiting, and whatever waits at least every
 * 200 ms, so a busy server makes one write call per dozen request lines instead of one each (a
 * tenth of a small subgraph call's CPU went to its line's write). What waits is written when the
 * process exits, a crash included; only a process killed outright (SIGKILL) loses its last
 * 200 ms of lines.
 */
const BATCHED = { sync: false, minLength: 4096, periodicFlush: 200 } as const;

let stdoutStream: DestinationStream | undefined;

/**
 * stdout: on a terminal, pino-pretty's readable lines (a request is one line: status, time, who,
 * what); anywhere else (a file, a pipe, CI) JSON lines, one object each.
 */
function stdout(): DestinationStream {
  stdoutStream ??= process.stdout.isTTY
    ? PinoPretty({
        colorize: true,
        translateTime: 'SYS:HH:MM:ss.l',
        hideObject: true,
        messageFormat: prettyLine,
        sync: false,
      })
    : pino.destination({ dest: 1, ...BATCHED });
  return stdoutStream;
}

/** The stream a logger without LOG_FILE writes to: stdout, held while a progress bar is drawn. */
function terminal(): DestinationStream {
  return {
    write(line: string) {
      if (held) held.push(line);
      else stdout().write(line);
    },
  };
}

/** Fields every line carries, shown by pino-pretty itself or as the line's prefix. */
const SHOWN = new Set(['level', 'time', 'pid', 'hostname', 'msg', 'service']);

/** One readable line of a log object (pino-pretty's messageFormat). */
export function prettyLine(log: Record<string, unknown>): string {
  const service = log.service ? `${String(log.service)} ` : '';
  if (log.msg === 'request' && typeof log.status === 'number') {
    const who = log.party ? ` ${String(log.party)}${log.org ? `/${String(log.org)}` : ''}` : '';
    const what = [log.operationType, log.operationName].filter(Boolean).join(' ');
    const extra = [
      log.rejectedBy ? `rejected by ${String(log.rejectedBy)}` : '',
      Array.isArray(log.errorCodes) ? log.errorCodes.join(',') : '',
      log.inProcess ? 'in-process' : '',
    ].filter(Boolean);
    return (
      `${service}${String(log.method ?? '')} ${String(log.path ?? '')} ${log.status} ` +
      `${String(log.durationMs ?? '?')} ms${who}${what ? ` ${what}` : ''}` +
      `${extra.length ? ` (${extra.join('; ')})` : ''} [${String(log.requestId ?? '')}]`
    );
  }
  const rest = Object.fromEntries(Object.entries(log).filter(([key]) => !SHOWN.has(key)));
  const err = rest.err as { stack?: string; message?: string } | undefined;
  delete rest.err;
  const fields = Object.keys(rest).length ? ` ${JSON.stringify(rest)}` : '';
  const stack = err ? `\n    ${err.stack ?? err.message ?? String(err)}` : '';
  return `${service}${String(log.msg ?? '')}${fields}${stack}`;
}

/** `LOG_FILE`, or stdout: asynchronous writes in batches (see `BATCHED`). */
function destination(file: string | undefined): DestinationStream {
  if (!file) return terminal();
  let stream = files.get(file);
  if (!stream) {
    stream = pino.destination({ dest: file, ...BATCHED, mkdir: true, append: true });
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
