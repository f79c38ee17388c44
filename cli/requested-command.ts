// What a command line asks for, known before the program and its commands load, and the work that can begin for it
// meanwhile (bin.ts).
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** The command argv asks for (`crosswind help X` asks for X's help); undefined for the program's own flags. */
export function requestedCommand(args: readonly string[]): string | undefined {
  const operands = args.filter((a) => !a.startsWith('-'));
  return operands[0] === 'help' ? operands[1] : operands[0];
}

/** The files an operand names: itself, or the k6 output of a run folder (`gate --run`). */
function k6Files(operand: string): string[] {
  try {
    if (statSync(operand).isFile()) return [operand];
    const k6 = join(operand, 'k6');
    return readdirSync(k6)
      .filter((f) => f.endsWith('.ndjson'))
      .map((f) => join(k6, f));
  } catch {
    return [];
  }
}

/**
 * `crosswind gate` on a file large enough to read on two threads: the second thread starts now, on the other core,
 * while this one loads the program and the command. A thread takes some 50 ms to start, most of the time a gate
 * takes before it reads; for a small file no thread starts (it would only cost start-up). True when one did.
 */
export async function startEarly(args: readonly string[]): Promise<boolean> {
  if (requestedCommand(args) !== 'gate') return false;
  const files = args.filter((a) => !a.startsWith('-')).flatMap(k6Files);
  if (files.length === 0) return false;
  const { startReadingEarly } = await import('../validations/read-points.ts');
  return startReadingEarly(files);
}
