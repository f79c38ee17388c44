#!/usr/bin/env node
// The `crosswind` executable, whatever name it is reached by: `node_modules/.bin/crosswind`, npx, a global
// install, or `node dist/cli/bin.js`. It always runs; main.ts only defines the program.
import nodeModule from 'node:module';
import { nodeVersionProblem } from '../core/node-version.ts';
import { startEarly } from './requested-command.ts';

// Node keeps the compiled code of crosswind's modules and its dependencies' on disk (its own cache in the temp
// folder; NODE_DISABLE_COMPILE_CACHE=1 turns it off): compiling them again is a share of every command's start-up,
// and of a gate's whole time on a file of a million points. Enabled before main.ts and what it imports load. (Node
// 22.1 and later; the Node 20 types crosswind builds against do not declare it yet.)
(nodeModule as { enableCompileCache?: () => unknown }).enableCompileCache?.();

// A reader that goes away (`crosswind --help | head -1`) closes the pipe under us. What is left to print is dropped
// and the command ends as it would have, with its own exit code: a run holding a fault must still undo it, so a
// closed pipe neither crashes crosswind with an EPIPE stack nor stops it early.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE' && err.code !== 'ERR_STREAM_DESTROYED') throw err;
  });
}

const tooOld = nodeVersionProblem(process.versions.node);
if (tooOld) {
  // Exit 3, like any other missing piece of the machine (k6 not found); nothing else is loaded or run.
  process.stderr.write(`error: ${tooOld}\n`);
  process.exitCode = 3;
} else {
  await startEarly(process.argv.slice(2));
  const { main } = await import('./main.ts');
  process.exitCode = await main();
}
