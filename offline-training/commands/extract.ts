// gloss-train extract: the detector's hidden states over a corpus, as a sharded activation cache.
import type { Command } from 'commander';
import { z } from 'zod';
import { extract, parseShardSpec } from '../activations/extract.ts';
import { defineCommand } from './define.ts';
import { flag, int } from '../util/option-schema.ts';

/** `gloss-train extract` options. */
export const ExtractOptions = z
  .object({
    detector: flag(
      z.string(),
      'dir',
      'detector folder (manifest.json, detector.onnx with a resid output, tokenizer.json)',
    ),
    data: flag(z.array(z.string()).min(1), 'file', 'JSONL (text field), CSV (column) or plain-text files'),
    out: flag(z.string(), 'dir', 'cache folder (re-run the same command to resume)'),
    field: flag(z.string().optional(), 'name', 'JSONL field or CSV column holding the text'),
    dtype: flag(z.enum(['float32', 'float16']).default('float32'), 'dtype', 'activation dtype on disk'),
    shard: flag(z.string().optional(), 'i/n', 'process only the i-th of n interleaved parts of the corpus'),
    shardRows: flag(int(1).default(16384), 'n', 'rows per shard file'),
    maxTokens: flag(int(1).optional(), 'n', "window length for long texts (default: the detector manifest's)"),
  })
  .describe('run the detector over texts and write a sharded activation cache');

/** The `extract` command. */
export function extractCommand(): Command {
  return defineCommand('extract', ExtractOptions, async (o) => {
    const index = await extract({
      ...o,
      shard: o.shard ? parseShardSpec(o.shard) : undefined,
      progress: true, // a bar on a terminal, log lines off one
    });
    return `wrote ${o.out}: ${index.texts} texts, ${index.rows} rows x ${index.d} (${index.dtype}) in ${index.shards.length} shards`;
  });
}
