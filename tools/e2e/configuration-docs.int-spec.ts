import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { WORKSPACE_ROOT, execFileAsync } from '@mediaplane/testing';

describe('docs/configuration.md', () => {
  it('lists exactly the variables the apps validate (regenerate with `npm run docs:config`)', async () => {
    const { stdout } = await execFileAsync(process.execPath, [join(WORKSPACE_ROOT, 'tools/scripts/env-table.cjs')], { cwd: WORKSPACE_ROOT });
    expect(readFileSync(join(WORKSPACE_ROOT, 'docs/configuration.md'), 'utf8')).toBe(stdout);
  });
});
