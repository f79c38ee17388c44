export interface LongFunction {
  file: string;
  name: string;
  start: number;
  lines: number;
}
/** Every function-like node of `text` longer than `limit` lines. */
export function longFunctions(file: string, text: string, limit: number): LongFunction[];
