/** Reading the files a user named, with errors that say what went wrong in words. */
import { readFile } from 'node:fs/promises';
import { InputFileError } from '../errors.js';

const PROBLEMS: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EISDIR: 'is a directory, expected a file',
  ENOTDIR: 'a parent of this path is not a directory',
};

/** "no such file or directory (ENOENT)" rather than a bare code or a stack-shaped message. */
export function readProblem(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  return code && PROBLEMS[code] ? `${PROBLEMS[code]} (${code})` : code ?? (e as Error).message;
}

/** Reads a whole file; failure is an InputFileError naming the file and `what` it was meant to be. */
export async function readInput(path: string, what: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (e) {
    throw new InputFileError(path, `cannot read the ${what}: ${readProblem(e)}`);
  }
}
