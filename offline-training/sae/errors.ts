// Expected failures of the SAE trainer and its file formats: bad options, bad or mismatched
// inputs, unreadable files. The CLI prints the message on one line; nothing here is a bug.
/** An expected failure of the SAE trainer or its formats (bad option, bad input, unreadable file). */
export class SaeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SaeError';
  }
}
