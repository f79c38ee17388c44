import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { InfrastructureError } from '../../../core/errors.ts';
import { motoPython } from '../../../sandbox/moto.ts';

describe('motoPython: the Python the sandbox runs moto with', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'moto-python-'));
  });
  const script = (at: string, firstLine: string) => {
    mkdirSync(join(at, '..'), { recursive: true });
    writeFileSync(at, `${firstLine}\nimport re\nfrom moto.server import main\n`, { mode: 0o755 });
    return at;
  };

  it('takes the interpreter pip wrote on the #! line', () => {
    expect(motoPython(script(join(dir, 'moto_server'), '#!/opt/moto/venv/bin/python3.11'))).to.deep.equal([
      '/opt/moto/venv/bin/python3.11',
    ]);
  });

  it('keeps the arguments of a #!/usr/bin/env python3 line', () => {
    expect(motoPython(script(join(dir, 'moto_server'), '#!/usr/bin/env python3'))).to.deep.equal(['/usr/bin/env', 'python3']);
  });

  it("takes the python beside pip's #!/bin/sh form, the symlink followed to the venv it points into", () => {
    const venvBin = join(dir, 'venv', 'bin');
    script(join(venvBin, 'moto_server'), '#!/bin/sh');
    writeFileSync(join(venvBin, 'python'), '', { mode: 0o755 });
    mkdirSync(join(dir, 'local-bin'));
    symlinkSync(join(venvBin, 'moto_server'), join(dir, 'local-bin', 'moto_server'));
    expect(motoPython(join(dir, 'local-bin', 'moto_server'))).to.deep.equal([join(venvBin, 'python')]);
  });

  it('refuses a file that is no Python script, and a path with nothing there, naming the path', () => {
    const binary = script(join(dir, 'moto_server'), '\x7fELF');
    expect(() => motoPython(binary)).to.throw(InfrastructureError, `${binary} is not moto's Python script`);
    expect(() => motoPython(join(dir, 'absent'))).to.throw(InfrastructureError, `moto_server not found at ${join(dir, 'absent')}`);
  });
});
