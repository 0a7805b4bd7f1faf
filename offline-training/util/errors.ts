// Expected failures of the offline trainer: a bad option, a missing or malformed input file. The
// CLI (runCli) prints the message as one line `gloss-train: ...` and exits 1; nothing here is a bug.

/** A failure the user can fix (bad option or input); its message is shown as is, on one line. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
