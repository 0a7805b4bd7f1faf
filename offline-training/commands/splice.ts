// gloss-train splice: language-model loss with the SAE spliced into the residual stream.
import type { Command } from 'commander';
import { z } from 'zod';
import { defineCommand } from './define.ts';
import { flag, int } from '../util/option-schema.ts';

/** `gloss-train splice` options. */
export const SpliceOptions = z
  .object({
    weights: flag(z.string(), 'gguf', 'the GGUF model the SAE was trained on'),
    layer: flag(int(0), 'n', 'the block after which the SAE reads the hidden state'),
    sae: flag(z.string(), 'dir', 'SAE folder (SAELens: cfg.json + sae_weights.safetensors; or sparsify)'),
    data: flag(z.array(z.string()).min(1), 'file', 'texts to score (JSONL, CSV or plain text)'),
    limit: flag(int(1).default(200), 'n', 'first N texts'),
    out: flag(z.string().optional(), 'file', 'also write the figures as JSON here'),
  })
  .describe(
    'language-model loss with the SAE spliced in after --layer (Llama/GGUF detectors): CE loss recovered, as SAELens reports it',
  );

/** The `splice` command: CE loss recovered (as SAELens reports it) on Llama/GGUF detectors. */
export function spliceCommand(): Command {
  return defineCommand('splice', SpliceOptions, async (o) => {
    const [{ loadSae }, { ceLossRecovered }, { buildLlama }, { GlossTokenizer }, { readTexts }, { writeFile }] =
      await Promise.all([
        import('../sae/format.ts'),
        import('../sae/splice.ts'),
        import('../graph/llama/index.ts'),
        import('../../src/core/tokenizer/tokenizer.ts'),
        import('../data/texts.ts'),
        import('node:fs/promises'),
      ]);
    const tok = new GlossTokenizer((await buildLlama({ weights: o.weights, layer: 0 })).tokenizerJson);
    const texts = (await Promise.all(o.data.map((f) => readTexts(f)))).flat().slice(0, o.limit);
    const r = await ceLossRecovered(
      o.weights,
      o.layer,
      await loadSae(o.sae),
      texts.map((t) => tok.encode(t.text).ids),
    );
    if (o.out) await writeFile(o.out, JSON.stringify(r, null, 2) + '\n');
    return `CE clean ${r.ce_clean.toFixed(4)}, with SAE ${r.ce_sae.toFixed(4)}, zero-ablated ${r.ce_zero.toFixed(4)}: CE loss recovered ${r.ce_loss_recovered.toFixed(4)} over ${r.tokens} tokens`;
  });
}
