// VUA / MOH-X verb CSVs (Gao et al. 2018's release): one verb in context per row, and the verb's
// character span in its sentence.
import { readFile } from 'node:fs/promises';
import { parse as parseCsv } from 'csv-parse/sync';
import { UsageError } from '../util/errors.ts';

/** One verb in context from VUA / MOH-X: the sentence, the verb's word index, metaphorical (1) or literal (0). */
export interface VerbExample {
  sentence: string;
  verbIdx: number;
  label: 0 | 1;
}

/**
 * Reads a VUA / MOH-X verb CSV (columns sentence, verb_idx, label; Gao et al. 2018's release) as examples, the
 * first `limit` rows when given. Throws UsageError for an unreadable file or a missing column.
 */
export async function readVerbCsv(file: string, limit?: number): Promise<VerbExample[]> {
  let rows: Record<string, string>[];
  try {
    rows = parseCsv(await readFile(file, 'utf8'), { columns: true, skip_empty_lines: true, relax_column_count: true });
  } catch (e) {
    throw new UsageError(`cannot read ${file}: ${(e as Error).message}`);
  }
  for (const col of ['sentence', 'verb_idx', 'label'])
    if (rows.length && !(col in rows[0])) throw new UsageError(`${file}: no column ${col}`);
  const out = rows.map((r) => ({
    sentence: r.sentence.trim(),
    verbIdx: Number(r.verb_idx),
    label: (Number(r.label) ? 1 : 0) as 0 | 1,
  }));
  return limit ? out.slice(0, limit) : out;
}

/** Character span of the verb (word verb_idx of the space-separated sentence). */
export function verbSpan(sentence: string, verbIdx: number): [number, number] | undefined {
  const words = sentence.split(' ');
  if (!(verbIdx >= 0 && verbIdx < words.length)) return undefined;
  let start = 0;
  for (let i = 0; i < verbIdx; i++) start += words[i].length + 1;
  return [start, start + words[verbIdx].length];
}
