// What a command line asks for, known before the program and its commands load, and the work that can begin for it
// meanwhile (bin.ts).
import { statSync } from 'node:fs';

/** The words of a command line that are not flags: the command, then its operands (and flags' values). */
function operandsOf(args: readonly string[]): string[] {
  return args.filter((a) => !a.startsWith('-'));
}

/** The command argv asks for (`crosswind help X` asks for X's help); undefined for the program's own flags. */
export function requestedCommand(args: readonly string[]): string | undefined {
  const operands = operandsOf(args);
  return operands[0] === 'help' ? operands[1] : operands[0];
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/**
 * `crosswind gate` on a file large enough to read on two threads (an operand, or a run folder's k6 output for
 * `gate --run`): the second thread starts now, on the other core, while this one loads the program and the command.
 * A thread takes some 50 ms to start, most of the time a gate takes before it reads; for a small file no thread
 * starts (it would only cost start-up). True when one did. Never throws: the command itself reports bad input.
 */
export async function startEarly(args: readonly string[]): Promise<boolean> {
  if (requestedCommand(args) !== 'gate') return false;
  const { k6OutputFiles, startReadingEarly } = await import('../validations/read-points.ts');
  const files = await Promise.all(operandsOf(args).map((o) => (isFile(o) ? [o] : k6OutputFiles(o).catch(() => []))));
  return startReadingEarly(files.flat()).catch(() => false);
}
