import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { MIN_NODE, nodeVersionProblem } from '../../../core/node-version.ts';
import { REPO } from '../../support/repo.ts';

describe('the Node.js crosswind runs on', () => {
  it('refuses a Node older than the one package.json declares, naming both versions', () => {
    for (const old of ['20.18.3', '20.6.0', '19.9.0', '18.20.8', '16.20.2']) {
      const problem = nodeVersionProblem(old);
      expect(problem, old).to.be.a('string');
      expect(problem, old)
        .to.contain(`Node.js ${MIN_NODE.join('.')} or later`)
        .and.contain(`this is Node.js ${old}`);
    }
  });

  it('accepts the declared version and every later one', () => {
    for (const ok of ['20.19.0', '20.20.2', '21.0.0', '22.12.0', '24.22.3', '100.0.0'])
      expect(nodeVersionProblem(ok), ok).to.equal(undefined);
  });

  it('is the version package.json declares in engines', async () => {
    const pkg = JSON.parse(await readFile(join(REPO, 'package.json'), 'utf8')) as { engines: { node: string } };
    expect(pkg.engines.node).to.equal(`>=${MIN_NODE.join('.')}`);
  });
});
