// The oldest Node.js crosswind runs on, as package.json's "engines" declares it: Node 20 from 20.19, the release
// line many machines still have (an installed test runs the package on this machine's Node 20). npm only warns when
// a user's Node is older, and the command would then fail far from the cause (tsx's loader hooks, structuredClone
// transfer lists): the executable checks first, before loading anything else.

/** [major, minor] of the oldest Node.js supported; package.json's engines is `>=` this (a test keeps them equal). */
export const MIN_NODE = [20, 19] as const;

/** Pure: why a Node.js version (`process.versions.node`) cannot run crosswind, or undefined when it can. */
export function nodeVersionProblem(version: string): string | undefined {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  const [minMajor, minMinor] = MIN_NODE;
  if (major > minMajor || (major === minMajor && minor >= minMinor)) return undefined;
  return `crosswind needs Node.js ${MIN_NODE.join('.')} or later (this is Node.js ${version}): install a current Node.js LTS release`;
}
