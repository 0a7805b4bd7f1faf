// The app's logger: structured fields, never prompt text (callers pass counts and ids only).
export type LogFields = Record<string, string | number | boolean | null | undefined | readonly string[]>;

/** Structured logging: an event name and flat fields (never prompt text unless the operator opts in, never keys). */
export interface Logger {
  info(event: string, fields?: LogFields): void;
  warn(event: string, fields?: LogFields): void;
  error(event: string, fields?: LogFields): void;
}

/** A Logger that drops everything (the default of the app and the middleware). */
export const silentLogger: Logger = { info() {}, warn() {}, error() {} };

/** One JSON object per line, through the given writer (console.log in Node, console.* in Workers). */
export function jsonLogger(write: (line: string) => void = (l) => console.log(l)): Logger {
  const emit =
    (level: string) =>
    (event: string, fields: LogFields = {}) =>
      write(JSON.stringify({ t: new Date().toISOString(), level, event, ...fields }));
  return { info: emit('info'), warn: emit('warn'), error: emit('error') };
}
