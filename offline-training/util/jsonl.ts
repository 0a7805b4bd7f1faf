// The one JSONL reader (https://jsonlines.org): one JSON object per line, blank lines skipped,
// errors that name the file and the 1-based line.
import { readFile } from 'node:fs/promises';

/** A JSONL line that parsed to an object, with its 1-based line number. */
export interface JsonlRow {
  line: number;
  row: Record<string, unknown>;
}

/** How a caller wants JSONL problems reported. */
export interface JsonlOptions {
  /** Makes the error thrown for a bad line (each caller's own error class). */
  error: (message: string) => Error;
  /** Skip a last line that is not JSON (a crash mid-append leaves one) instead of throwing. */
  skipTruncatedTail?: boolean;
}

/**
 * The UTF-8 text of `file`. A read failure throws `error("cannot read the <what> file <file>: <code>")`
 * (the errno code, e.g. ENOENT, or the message where there is none).
 */
export async function readTextFile(file: string, what: string, error: (message: string) => Error): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    throw error(
      `cannot read the ${what} file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
}

/**
 * The objects of JSONL `text`, lazily, in file order. Throws `opts.error("<file> line N: not
 * JSON")` for a line that does not parse and `"... not a JSON object"` for one that is an array
 * or a scalar.
 */
export function* jsonlObjects(text: string, file: string, opts: JsonlOptions): Generator<JsonlRow> {
  const lines = text.split(/\r?\n/);
  for (let ln = 0; ln < lines.length; ln++) {
    const line = lines[ln].trim();
    if (!line) continue;
    let row: unknown;
    try {
      row = JSON.parse(line);
    } catch {
      if (opts.skipTruncatedTail && lines.slice(ln + 1).every((l) => !l.trim())) continue;
      throw opts.error(`${file} line ${ln + 1}: not JSON`);
    }
    if (!row || typeof row !== 'object' || Array.isArray(row))
      throw opts.error(`${file} line ${ln + 1}: not a JSON object`);
    yield { line: ln + 1, row: row as Record<string, unknown> };
  }
}
