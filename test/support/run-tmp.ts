// Loaded before every test file (.mocharc.json): the run's temporary files go in one folder of its own (TMPDIR,
// inherited by the CLI, k6 and sandbox children and by the parallel workers), removed when the run ends. Tests make
// their folders with mkdtemp under os.tmpdir(); a test that fails before its clean-up, or a killed child's files,
// then leave nothing behind on the machine. What is meant to outlive a run (the installed package the e2e tests
// share, the netns tags runs claim from each other) lives under `machineTmp` instead.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { machineTmp } from './machine-tmp.ts';

process.env.CROSSWIND_MACHINE_TMP = machineTmp;

// Made by the process that starts the run; its workers, and a mocha a test runs itself, inherit it.
const inherited = process.env.CROSSWIND_RUN_TMP;
const runTmp = inherited ?? mkdtempSync(join(machineTmp, 'crosswind-tests-'));
if (inherited === undefined) {
  // Open to every user as the machine's is (tests also run the CLI as another user), sticky as it is.
  chmodSync(runTmp, 0o1777);
  // tsx keeps its compile cache in the temporary folder: the workers and children share the machine's, so a run
  // does not compile every TypeScript file again.
  const tsxCache = `tsx-${process.geteuid?.() ?? 0}`;
  mkdirSync(join(machineTmp, tsxCache), { recursive: true, mode: 0o700 });
  symlinkSync(join(machineTmp, tsxCache), join(runTmp, tsxCache));
}
process.env.CROSSWIND_RUN_TMP = runTmp;
process.env.TMPDIR = runTmp;

// Removed when the process that made it exits, however the run ends: every test done, or a test file that could
// not be loaded (mocha then ends the run before any hook, a global teardown among them).
if (inherited === undefined) process.once('exit', () => rmSync(runTmp, { recursive: true, force: true }));
