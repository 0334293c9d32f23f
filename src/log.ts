import pino from 'pino';

export type Logger = pino.Logger;

/** Structured JSON logs on stderr (stdout stays for CLI output); pretty only when asked for. */
export function createLogger(level: string, opts: { pretty?: boolean } = {}): Logger {
  if (opts.pretty) {
    return pino({ level, transport: { target: 'pino-pretty', options: { destination: 2, colorize: true } } });
  }
  return pino({ level }, pino.destination(2));
}
