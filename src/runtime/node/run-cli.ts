// The one way Gloss's command lines (`gloss`, `gloss-train`) run and fail: commander parses, the
// command runs, and every expected failure (commander's own errors included) becomes exactly one
// line `<program>: <message>` on stderr with exit code 1. Help and --version exit 0.
import type { Command } from 'commander';

/** Commander codes that are not failures (help or version was asked for). */
const NOT_ERRORS = new Set(['commander.helpDisplayed', 'commander.help', 'commander.version']);

/**
 * Runs `program` on `argv` (the arguments after the program name) and returns the exit code.
 * Commander's messages lose their `error: ` prefix and line breaks, so `--dat` reads
 * `gloss-train: unknown option '--dat' (Did you mean --data?)`. A program with subcommands, run
 * with no arguments, names them instead of printing the whole help. Set GLOSS_DEBUG=1 to also print the stack.
 */
export async function runCli(program: Command, argv: string[]): Promise<number> {
  const name = program.name();
  configure(program);
  if (argv.length === 0 && program.commands.length > 0) {
    const commands = program.commands.map((c) => c.name()).join(', ');
    console.error(`${name}: missing command (${commands}; see ${name} --help)`);
    return 1;
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (err) {
    const e = err as { code?: string; message?: string };
    if (e.code && NOT_ERRORS.has(e.code)) return 0;
    const message = (e.message ?? String(err)).replace(/^error: /, '').replace(/\s*\n\s*/g, ' ');
    console.error(`${name}: ${message}`);
    if (process.env.GLOSS_DEBUG) console.error(err);
    return 1;
  }
}

/** Throw instead of exiting, and leave all error output to runCli (on every subcommand too). */
function configure(cmd: Command): void {
  cmd
    .exitOverride()
    .showHelpAfterError(false)
    .configureOutput({ writeErr: () => {}, outputError: () => {} });
  for (const sub of cmd.commands) configure(sub);
}
