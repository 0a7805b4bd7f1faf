// The trainer's commands after detector building: extract, sae, mine, rules, evaluate, export, report.
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { extract, parseShardSpec } from '../activations/extract.ts';
import { int, intList, num } from './options.ts';
import { addEndpointOptions, addUpliftOptions, addOutcomesCommand, runUpliftCli } from '../llm/commands.ts';

const tty = () => Boolean(process.stderr.isTTY);

export function registerTrainCommands(program: Command): void {
  addOutcomesCommand(program);

  program
    .command('extract')
    .description('run the detector over texts and write a sharded activation cache')
    .requiredOption(
      '--detector <dir>',
      'detector folder (manifest.json, detector.onnx with a resid output, tokenizer.json)',
    )
    .requiredOption('--data <file...>', 'JSONL (text field), CSV (column) or plain-text files')
    .requiredOption('--out <dir>', 'cache folder (re-run the same command to resume)')
    .option('--field <name>', 'JSONL field or CSV column holding the text')
    .option('--dtype <dtype>', 'float32 | float16', 'float32')
    .option('--shard <i/n>', 'process only the i-th of n interleaved parts of the corpus')
    .option('--shard-rows <n>', 'rows per shard file', int('--shard-rows'), 16384)
    .option('--max-tokens <n>', 'window length for long texts', int('--max-tokens'))
    .action(async (o) => {
      if (o.dtype !== 'float32' && o.dtype !== 'float16')
        throw new InvalidArgumentError(`--dtype must be float32 or float16, got ${o.dtype}`);
      const index = await extract({
        detector: o.detector,
        data: o.data,
        out: o.out,
        field: o.field,
        dtype: o.dtype,
        shard: o.shard ? parseShardSpec(o.shard) : undefined,
        shardRows: o.shardRows,
        maxTokens: o.maxTokens,
        progress: tty(),
      });
      console.log(
        `wrote ${o.out}: ${index.texts} texts, ${index.rows} rows x ${index.d} (${index.dtype}) in ${index.shards.length} shards`,
      );
    });

  program
    .command('sae')
    .description('train a TopK sparse autoencoder on an activation cache (with JumpReLU thresholds)')
    .requiredOption('--cache <dir>', 'activation cache from gloss-train extract')
    .requiredOption('--out <dir>', 'output folder (cfg.json + sae.safetensors, jumprelu/, metrics.json, summary.txt)')
    .option('--width <m>', 'number of latents', int('--width'))
    .option('--k <k>', 'active latents per token', int('--k'))
    .option('--lr <lr>', 'Adam learning rate', num('--lr'))
    .option('--batch <n>', 'tokens per step', int('--batch'))
    .option('--steps <n>', 'training steps', int('--steps'))
    .option('--seed <n>', 'random seed', int('--seed'))
    .option('--device <device>', 'cpu | cuda', 'cpu')
    .option('--resume', 'continue from the last checkpoint in --out', false)
    .action(async (o) => {
      const { runSaeCommand } = await import('../sae/index.ts');
      const ac = new AbortController();
      const stop = () => ac.abort();
      process.once('SIGINT', stop);
      let last = 0;
      const res = await runSaeCommand({
        cache: o.cache,
        out: o.out,
        width: o.width,
        k: o.k,
        lr: o.lr,
        batch: o.batch,
        steps: o.steps,
        seed: o.seed,
        device: o.device,
        resume: o.resume,
        signal: ac.signal,
        onProgress: (step, total, m) => {
          if (tty() && Date.now() - last > 1000) {
            last = Date.now();
            process.stderr.write(
              `\rsae step ${step}/${total} fvu ${m.fvu.toFixed(4)} l0 ${m.l0.toFixed(1)} dead ${(m.dead_fraction * 100).toFixed(1)}%   `,
            );
          }
        },
      });
      process.off('SIGINT', stop);
      if (tty()) process.stderr.write('\n');
      if (res.interrupted) console.log(`interrupted at step ${res.step}: checkpoint in ${o.out}; rerun with --resume`);
      else
        console.log(
          `wrote ${o.out}: held-out FVU ${res.metrics?.held_out.fvu.toFixed(4)}, L0 ${res.metrics?.held_out.l0.toFixed(1)}, dead ${((res.metrics?.held_out.dead_fraction ?? 0) * 100).toFixed(1)}%`,
        );
    });

  program
    .command('splice')
    .description(
      'language-model loss with the SAE spliced in after --layer (Llama/GGUF detectors): CE loss recovered, as SAELens reports it',
    )
    .requiredOption('--weights <gguf>', 'the GGUF model the SAE was trained on')
    .requiredOption('--layer <n>', 'the block after which the SAE reads the hidden state', int('--layer'))
    .requiredOption('--sae <dir>', 'SAE folder (cfg.json + sae.safetensors)')
    .requiredOption('--data <file...>', 'texts to score (JSONL, CSV or plain text)')
    .option('--limit <n>', 'first N texts', int('--limit'), 200)
    .option('--out <file>', 'also write the figures as JSON here')
    .action(async (o) => {
      const [{ loadSae }, { ceLossRecovered }, { buildLlama }, { GlossTokenizer }, { readTexts }, { writeFile }] =
        await Promise.all([
          import('../sae/format.ts'),
          import('../sae/splice.ts'),
          import('../graph/llama/index.ts'),
          import('../../src/core/tokenizer.ts'),
          import('../activations/texts.ts'),
          import('node:fs/promises'),
        ]);
      const tok = new GlossTokenizer((await buildLlama({ weights: o.weights, layer: 0 })).tokenizerJson);
      const texts = (await Promise.all((o.data as string[]).map((f) => readTexts(f)))).flat().slice(0, o.limit);
      const r = await ceLossRecovered(
        o.weights,
        o.layer,
        await loadSae(o.sae),
        texts.map((t) => tok.encode(t.text).ids),
      );
      if (o.out) await writeFile(o.out, JSON.stringify(r, null, 2) + '\n');
      console.log(
        `CE clean ${r.ce_clean.toFixed(4)}, with SAE ${r.ce_sae.toFixed(4)}, zero-ablated ${r.ce_zero.toFixed(4)}: CE loss recovered ${r.ce_loss_recovered.toFixed(4)} over ${r.tokens} tokens`,
      );
    });

  program
    .command('mine')
    .description('associate SAE features with LLM failures (held-out split kept aside)')
    .requiredOption('--detector <dir>', 'detector folder')
    .requiredOption('--sae <dir>', 'SAE with JumpReLU thresholds (e.g. <sae out>/jumprelu)')
    .requiredOption(
      '--outcomes <file>',
      'outcomes JSONL (gloss-train outcomes, or the shared GSM8K test_outcomes.jsonl)',
    )
    .requiredOption('--target <model>', 'the model whose failures are mined (e.g. 175b_verification)')
    .requiredOption('--out <dir>', 'output folder (candidates.json)')
    .option('--contexts <file...>', 'corpus for top activating contexts (default: the outcome prompts)')
    .option('--held-out <fraction>', 'fraction of prompts kept aside', num('--held-out'), 0.3)
    .option('--seed <n>', 'split seed', int('--seed'), 0)
    .option('--top <n>', 'candidates written with contexts and examples', int('--top'), 40)
    .option(
      '--family <family>',
      'multiple-testing family: all | lexical (latents whose top word the gloss library knows)',
      'all',
    )
    .action(async (o) => {
      if (o.family !== 'all' && o.family !== 'lexical')
        throw new InvalidArgumentError(`--family must be all or lexical, got ${o.family}`);
      const { mine } = await import('../mine/mine.ts');
      const r = await mine({
        detector: o.detector,
        sae: o.sae,
        outcomes: o.outcomes,
        target: o.target,
        out: o.out,
        contexts: o.contexts,
        heldOut: o.heldOut,
        seed: o.seed,
        top: o.top,
        family: o.family,
        progress: tty(),
      });
      const sig = r.candidates.filter((c) => c.mhQ <= 0.1).length;
      console.log(
        `wrote ${o.out}/candidates.json: ${r.counts.latentsTested} latents tested on ${r.counts.mining} prompts (family ${r.family}: ${r.counts.familySize}); ${sig} with length-controlled q <= 0.1; length-only AUC ${r.lengthBaseline.miningAuc.toFixed(3)}`,
      );
    });

  program
    .command('rules')
    .description('turn chosen candidates into rules.json (plus a review sheet) for a person to edit')
    .requiredOption('--candidates <file>', 'candidates.json from gloss-train mine')
    .requiredOption('--out <file>', 'rules.json to write')
    .option('--features <ids>', 'comma-separated feature ids (default: q <= --max-q)', intList('--features'))
    .option('--max-q <q>', 'length-controlled q-value cut-off', num('--max-q'), 0.1)
    .option('--max <n>', 'most rules', int('--max'), 8)
    .action(async (o) => {
      const { makeRules } = await import('../mine/rules.ts');
      const file = await makeRules({
        candidates: o.candidates,
        out: o.out,
        features: o.features,
        maxQ: o.maxQ,
        max: o.max,
      });
      console.log(
        `wrote ${o.out} (${file.rules.length} rules) and its review sheet: read and edit the glosses before export`,
      );
    });

  const evaluateCmd = program
    .command('evaluate')
    .description(
      'held-out detection AUC (rules, best features, length baseline), metaphor F1, and with --uplift the A/B accuracy of an LLM on original vs glossed prompts',
    )
    .option('--out <dir>', 'output folder (evaluation.json, evaluation-details.json)')
    .option(
      '--uplift',
      'A/B: ask an OpenAI-compatible endpoint with original and glossed prompts (needs --tasks, --base-url, --model)',
      false,
    )
    .option('--tasks <file>', 'task set for --uplift (JSONL)')
    .option('--bundle <dir>', 'bundle whose rewriter --uplift uses', 'models/default')
    .option('--task <name>', 'prefix of the detection figures in evaluation.json', 'gsm8k')
    .option('--candidates <file>', 'candidates.json from gloss-train mine')
    .option('--rules <file>', 'rules.json')
    .option('--detector <dir>', 'detector folder (metaphor)')
    .option('--sae <dir>', 'SAE with thresholds (metaphor)')
    .option('--vua-train <file>')
    .option('--vua-val <file>')
    .option('--vua-test <file>')
    .option('--mohx <file>');
  addEndpointOptions(evaluateCmd);
  addUpliftOptions(evaluateCmd);
  evaluateCmd.action(async (o) => {
    if (o.uplift) {
      if (!o.tasks) throw new InvalidArgumentError('--uplift needs --tasks <file>');
      const { formatUpliftReport } = await import('../llm/index.ts');
      console.log(formatUpliftReport(await runUpliftCli(o)));
      return;
    }
    if (!o.out) throw new InvalidArgumentError('evaluate needs --out <dir>');
    const { evaluate } = await import('../evaluate/command.ts');
    const r = await evaluate(o);
    console.log(
      Object.entries(r.summary)
        .map(([k, v]) => `${k} ${v.toFixed(4)}`)
        .join('\n'),
    );
  });

  program
    .command('export')
    .description('write a bundle: detector + SAE head of the rule features, tokenizer, rules, features, card, manifest')
    .requiredOption('--detector <dir>', 'detector folder')
    .requiredOption('--sae <dir>', 'SAE with thresholds')
    .requiredOption('--rules <file>', 'reviewed rules.json')
    .requiredOption('--out <dir>', 'bundle folder')
    .option('--candidates <file>', 'candidates.json (labels, top contexts, mining figures)')
    .option('--sae-metrics <file>', 'metrics.json of the SAE')
    .option('--evaluation <file>', 'evaluation.json')
    .option('--int8', 'int8 weights in the SAE head', false)
    .option('--name <name>', 'bundle name')
    .option(
      '--trained-out <dir>',
      'also write the small trained parts (head.safetensors, rules, features, card, figures) here',
    )
    .option('--training-data <text>', "the card's training-data section (markdown)")
    .option('--force', 'ship draft rules nobody reviewed (the card names them)', false)
    .action(async (o) => {
      const { exportBundle } = await import('../mine/export.ts');
      const m = await exportBundle({
        detector: o.detector,
        sae: o.sae,
        rules: o.rules,
        out: o.out,
        candidates: o.candidates,
        saeMetrics: o.saeMetrics,
        evaluation: o.evaluation,
        int8: o.int8,
        name: o.name,
        trainedOut: o.trainedOut,
        force: o.force,
        card: o.trainingData ? { trainingData: o.trainingData } : undefined,
      });
      console.log(`wrote bundle ${o.out} (${m.name}): ${Object.keys(m.files).join(', ')}`);
    });

  program
    .command('report')
    .description('one self-contained HTML report with plots')
    .requiredOption('--out <file>', 'HTML file to write')
    .option('--sae-metrics <file>')
    .option('--candidates <file>')
    .option('--evaluation <file>', 'evaluation-details.json')
    .option('--title <title>')
    .action(async (o) => {
      const { writeReport } = await import('../report/report.ts');
      await writeReport({
        out: o.out,
        saeMetrics: o.saeMetrics,
        candidates: o.candidates,
        evaluation: o.evaluation,
        title: o.title,
      });
      console.log(`wrote ${o.out}`);
    });
}
