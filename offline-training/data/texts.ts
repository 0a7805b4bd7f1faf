// Reads texts to extract activations from: JSONL (a text field), CSV (a column) or plain text
// (one text a line). Every text keeps an id that points back to its file and row.
import { readFile } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { UsageError } from '../util/errors.ts';
import { jsonlObjects } from '../util/jsonl.ts';

/** A text of a corpus with its stable id (`<file>:<line or row>`). */
export interface SourceText {
  /** "<file base name>:<row>" (row counted from 0, header excluded). */
  id: string;
  text: string;
}

const JSONL_FIELDS = ['text', 'question', 'prompt', 'sentence'];
const CSV_COLUMNS = ['text', 'sentence', 'question', 'prompt'];

/** Which JSONL field or CSV column holds the text, and the CSV delimiter. */
export interface ReadOptions {
  /** JSONL field or CSV column; by default the first of text, question, prompt, sentence. */
  field?: string;
}

/**
 * The texts of a corpus file: JSONL (a text field), CSV (a column) or plain text (one per line), each with a
 * stable id `<file>:<line>`. Throws UsageError for an unreadable file or a missing field.
 */
export async function readTexts(file: string, opts: ReadOptions = {}): Promise<SourceText[]> {
  let raw: string;
  try {
    raw = await readFile(file, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const base = basename(file);
  const ext = extname(file).toLowerCase();
  if (ext === '.jsonl' || ext === '.ndjson') return fromJsonl(raw, base, opts.field);
  if (ext === '.csv' || ext === '.tsv') return fromCsv(raw, base, opts.field, ext === '.tsv' ? '\t' : ',');
  return raw
    .split(/\r?\n/)
    .map((text, i) => ({ id: `${base}:${i}`, text: text.trim() }))
    .filter((t) => t.text.length > 0);
}

function fromJsonl(raw: string, base: string, field?: string): SourceText[] {
  const out: SourceText[] = [];
  for (const { line, row } of jsonlObjects(raw, base, { error: (m) => new UsageError(m) })) {
    const i = line - 1;
    const key = field ?? JSONL_FIELDS.find((f) => typeof row[f] === 'string');
    if (!key || typeof row[key] !== 'string') {
      throw new UsageError(
        `${base} line ${i + 1}: no string field ${field ? `"${field}"` : `(looked for ${JSONL_FIELDS.join(', ')})`}`,
      );
    }
    out.push({ id: `${base}:${i}`, text: row[key] as string });
  }
  return out;
}

function fromCsv(raw: string, base: string, column: string | undefined, delimiter: string): SourceText[] {
  let rows: Record<string, string>[];
  try {
    rows = parseCsv(raw, { columns: true, delimiter, skip_empty_lines: true, relax_column_count: true });
  } catch (e) {
    throw new UsageError(`${base}: not valid CSV (${(e as Error).message})`);
  }
  if (rows.length === 0) return [];
  const key = column ?? CSV_COLUMNS.find((c) => c in rows[0]);
  if (!key || !(key in rows[0])) {
    throw new UsageError(
      `${base}: no column ${column ? `"${column}"` : `(looked for ${CSV_COLUMNS.join(', ')})`}; has ${Object.keys(rows[0]).join(', ')}`,
    );
  }
  return rows.map((r, i) => ({ id: `${base}:${i}`, text: (r[key] ?? '').trim() })).filter((t) => t.text.length > 0);
}
