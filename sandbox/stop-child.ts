import type { ChildProcess } from 'node:child_process';

/** Resolves when the child has exited, however it ends. */
function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/**
 * Asks the child to stop (SIGTERM) and resolves once it has exited; a child that ignores the request for `graceMs`
 * is killed, so a stop always ends. A child already gone resolves at once.
 */
export async function stopChild(child: ChildProcess, graceMs = 3000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const killer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited(child);
  clearTimeout(killer);
}
