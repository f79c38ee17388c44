import { expect } from 'chai';
import { resolveConfig } from '../../config/resolve.ts';
import { ConfigError } from '../../core/errors.ts';

/** The problems a raw config is refused with, as `path: message` lines; empty when it resolves. */
export function problemsOf(raw: unknown): string[] {
  try {
    resolveConfig(raw);
    return [];
  } catch (err) {
    expect(err).to.be.instanceOf(ConfigError);
    return (err as ConfigError).problems.map((p) => `${p.path}: ${p.message}`);
  }
}
