#!/usr/bin/env node
// The `crosswind` executable, whatever name it is reached by: `node_modules/.bin/crosswind`, npx, a global
// install, or `node dist/cli/bin.js`. It always runs; main.ts only defines the program.
import { main } from './main.ts';

process.exitCode = await main();
