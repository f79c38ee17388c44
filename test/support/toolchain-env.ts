// Loaded before every test file (.mocharc.json): names the k6 and moto the bootstrap installed the way users name
// theirs (CROSSWIND_K6, CROSSWIND_MOTO), for the CLI children and the in-process launcher alike. Without a
// bootstrapped toolchain nothing is set, and every test that needs k6 or moto fails saying what is missing.
import { existsSync } from 'node:fs';
import { toolchain, toolchainFile } from '../../scripts/toolchain.mjs';

if (existsSync(toolchainFile())) {
  try {
    const tools = toolchain();
    process.env.CROSSWIND_K6 ??= tools.k6;
    process.env.CROSSWIND_MOTO ??= tools.motoServer;
  } catch (err) {
    process.stderr.write(`test setup: ${(err as Error).message}\n`);
  }
}
