// Used by tools/build/build-project.cjs (the Nx `build` target of every project).
// Transpiles the project's production sources (src/**/*.ts without specs) with swc into
// dist/<projectRoot>/src, file for file, as the dev flow runs them (`node --require
// tools/runtime/register-paths.cjs dist/apps/<app>/src/main.js`). No type checking here: that is
// the `typecheck` target, so a build is seconds and each project is built and cached on its own.
'use strict';
const { mkdirSync, readdirSync, rmSync, writeFileSync } = require('node:fs');
const path = require('node:path');
const { transformFileSync } = require('@swc/core');
const swcOptions = require('./swc-options.cjs');

const root = path.resolve(__dirname, '..', '..');
// Specs, and shared test suites (`*.contract.ts`, run by specs against several implementations), are not production code.
const SPEC = /\.(spec|int-spec|e2e-spec|contract)\.ts$/;

function sources(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sources(full);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') && !SPEC.test(entry.name) ? [full] : [];
  });
}

function compileProject(projectRoot) {
  const srcDir = path.join(root, projectRoot, 'src');
  const outDir = path.join(root, 'dist', projectRoot);
  rmSync(path.join(outDir, 'src'), { recursive: true, force: true });
  const files = sources(srcDir);
  for (const file of files) {
    const relative = path.relative(root, file);
    const target = path.join(root, 'dist', relative.replace(/\.ts$/, '.js'));
    const { code, map } = transformFileSync(file, { ...swcOptions({ sourceMaps: true }), sourceFileName: path.relative(path.dirname(target), file), swcrc: false, configFile: false });
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, `${code}\n//# sourceMappingURL=${path.basename(target)}.map\n`);
    if (map) writeFileSync(`${target}.map`, map);
  }
  return files.length;
}

module.exports = { compileProject };
