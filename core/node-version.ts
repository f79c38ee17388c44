// The oldest Node.js crosswind runs on, as package.json's "engines" declares it. npm only warns when a user's Node
// is older, and such a Node lacks what crosswind uses (ArrayBuffer.prototype.transfer, Node 21): the command would
// fail far from the cause. The executable checks first, before loading anything else.

/** [major, minor] of the oldest Node.js supported; package.json's engines is `>=` this (a test keeps them equal). */
export const MIN_NODE = [22, 12] as const;

/** Pure: why a Node.js version (`process.versions.node`) cannot run crosswind, or undefined when it can. */
export function nodeVersionProblem(version: string): string | undefined {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  const [minMajor, minMinor] = MIN_NODE;
  if (major > minMajor || (major === minMajor && minor >= minMinor)) return undefined;
  return `crosswind needs Node.js ${MIN_NODE.join('.')} or later (this is Node.js ${version}): install a current Node.js LTS release`;
}
