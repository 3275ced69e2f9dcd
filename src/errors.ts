/**
 * Errors that end a command. A `UserError` is the user's to fix (a bad argument, a missing or
 * corrupt input file, an impossible device): the CLI prints its message and exits 2. Anything
 * else is our failure and exits 1. Messages name the bad value and what would be accepted.
 */
export class UserError extends Error {
  override readonly name: string = 'UserError';
  constructor(message: string, readonly hint?: string) {
    super(hint ? `${message}\n  ${hint}` : message);
  }
}

/** A file the user named does not exist, cannot be read, or is not what it claims to be. */
export class InputFileError extends UserError {
  override readonly name = 'InputFileError';
  constructor(readonly path: string, problem: string, hint?: string) {
    super(`${path}: ${problem}`, hint);
  }
}

/** The model and the data disagree on the input shape. */
export class ShapeMismatchError extends UserError {
  override readonly name = 'ShapeMismatchError';
  constructor(readonly expected: readonly (number | string)[], readonly got: readonly number[], detail = '') {
    super(`shape mismatch: the model accepts input of shape [${expected.join(', ')}], the data has [${got.join(', ')}]${detail ? `\n  ${detail}` : ''}`);
  }
}

export function isUserError(e: unknown): e is UserError {
  return e instanceof UserError;
}
