// gloss-train: the offline trainer's command line. Each command lives in commands/ with the zod
// schema its flags come from; runCli turns every expected failure into one line on stderr.
import { Command } from 'commander';
import { packageVersion } from '../src/runtime/node/embedded.ts';
import { runCli } from '../src/runtime/node/run-cli.ts';
import { buildDetectorCommand } from './commands/build-detector.ts';
import { evaluateCommand } from './commands/evaluate.ts';
import { exportCommand } from './commands/export.ts';
import { extractCommand } from './commands/extract.ts';
import { importSaeCommand } from './commands/import-sae.ts';
import { mineCommand } from './commands/mine.ts';
import { outcomesCommand } from './commands/outcomes.ts';
import { quickstartCommand } from './commands/quickstart.ts';
import { reportCommand } from './commands/report.ts';
import { rulesCommand } from './commands/rules.ts';
import { saeCommand } from './commands/sae.ts';
import { setupTorchCommand } from './commands/setup-torch.ts';
import { spliceCommand } from './commands/splice.ts';

/** The `gloss-train` program with every command, in pipeline order. */
export function makeProgram(): Command {
  const program = new Command('gloss-train')
    .description('Gloss offline trainer: detector graphs, activations, SAEs, mining, bundles')
    .version(packageVersion, '-V, --version', "print the package's version (from its package.json)");
  for (const cmd of [
    buildDetectorCommand(),
    outcomesCommand(),
    extractCommand(),
    saeCommand(),
    setupTorchCommand(),
    importSaeCommand(),
    spliceCommand(),
    mineCommand(),
    rulesCommand(),
    evaluateCommand(),
    exportCommand(),
    reportCommand(),
    quickstartCommand(),
  ])
    program.addCommand(cmd);
  return program;
}

/** `gloss-train <argv>`: runs the command and returns the exit code (see runCli). */
export async function main(argv: string[]): Promise<number> {
  return runCli(makeProgram(), argv);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.exitCode = await main(process.argv.slice(2));
}
