// The machine's temporary folder, as it was before a test run gave itself one of its own (run-tmp.ts): where what is
// meant to outlive a run lives (the installed package the e2e tests share, the netns tags runs claim from each other).
import { tmpdir } from 'node:os';

export const machineTmp = process.env.CROSSWIND_MACHINE_TMP ?? tmpdir();
