import { toolchain } from '../../scripts/toolchain.mjs';
import { runCommand } from './run-command.ts';

/**
 * cfn-lint on a CloudFormation template, informational rules included and failing the run: a template crosswind ships
 * must be clean at every level, in the regions it is meant for.
 */
export const cfnLint = (file: string) =>
  runCommand(toolchain().cfnLint, [
    '--include-checks',
    'I',
    '--non-zero-exit-code',
    'informational',
    '--format',
    'parseable',
    '--regions',
    'us-east-1',
    'us-west-2',
    'eu-west-1',
    '--',
    file,
  ]);
