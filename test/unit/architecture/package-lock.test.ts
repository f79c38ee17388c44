import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { REPO } from '../../support/repo.ts';

interface LockEntry {
  version?: string;
  os?: string[];
}
const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as {
  engines: { node: string };
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
const lock = JSON.parse(readFileSync(join(REPO, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> };

/**
 * Clients the registry serves at no version of the project's SDK generation (client-scheduler skips 3.523.0): the
 * nearest version, with every SDK package it depends on held to the project's generation by `overrides`, so the SDK
 * core is still one copy.
 */
const OFF_GENERATION: Record<string, string> = { '@aws-sdk/client-scheduler': '3.525.0' };

describe('the package manifest and its lock', () => {
  it('holds one generation of the AWS SDK: every client and the SDK core at one version, no nested copies', () => {
    const name = (path: string) => path.replace(/.*node_modules\//, '');
    const clients = Object.entries(lock.packages).filter(
      ([path]) => /node_modules\/@aws-sdk\/(client-[^/]+|core)$/.test(path) && !(name(path) in OFF_GENERATION),
    );
    expect(clients.length, 'SDK clients in the lock').to.be.greaterThan(4);
    const versions = new Set(clients.map(([, e]) => e.version));
    expect([...versions], `versions of ${clients.map(([p]) => name(p)).join(', ')}`).to.have.length(1);
    const nested = Object.keys(lock.packages).filter((path) => /node_modules\/.+\/node_modules\/@aws-sdk\//.test(path));
    expect(nested, 'nested @aws-sdk copies').to.deep.equal([]);
    const declared = new Set(
      Object.entries(pkg.dependencies).flatMap(([n, range]) => (n.startsWith('@aws-sdk/') && !(n in OFF_GENERATION) ? [range] : [])),
    );
    expect([...declared], 'declared @aws-sdk ranges').to.deep.equal([...versions]);
    for (const [client, version] of Object.entries(OFF_GENERATION)) {
      expect(lock.packages[`node_modules/${client}`]?.version, client).to.equal(version);
      expect(pkg.dependencies[client], `${client} declared`).to.equal(version);
    }
  });

  it('records every platform’s optional packages, so npm ci works on a fresh clone anywhere', () => {
    const platforms = (prefix: string) =>
      Object.entries(lock.packages)
        .filter(([path]) => path.startsWith(`node_modules/${prefix}`))
        .flatMap(([, e]) => e.os ?? []);
    for (const prefix of ['@biomejs/cli-', '@esbuild/']) {
      expect(new Set(platforms(prefix)), prefix).to.include.members(['linux', 'darwin', 'win32']);
    }
  });

  it('declares the maintained Node LTS lines, and tools the product does not run stay out of dependencies', () => {
    expect(pkg.engines.node).to.equal('>=20.19');
    expect(Object.keys(pkg.dependencies), 'dependencies').to.not.include.members(['zx', 'undici', 'typescript', 'mocha']);
  });
});
