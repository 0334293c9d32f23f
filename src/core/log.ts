import pino from 'pino';

export type Logger = pino.Logger;

/** Structured JSON logs on stderr (stdout stays for CLI output); pipe through `npx pino-pretty` to read them. */
export function createLogger(level: string): Logger {
  return pino({ level }, pino.destination(2));
}
