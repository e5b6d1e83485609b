#!/usr/bin/env node
// The Nx `build` target of every project (see nx.json):
//   node tools/build/build-project.cjs <projectRoot> [--assets <dir>:<dest>]... [--entry <path under src>]...
// A library is compiled into dist/libs/<lib>/src. An app is compiled into dist/apps/<app>/src (what
// the dev flow and the integration specs run) and bundled into dist/deploy/<app>/ with a pruned
// package.json (what is shipped). Nx builds the libraries an app imports first (`dependsOn: ^build`).
'use strict';
const path = require('node:path');
const { compileProject } = require('./compile-project.cjs');
const { bundleApp } = require('./bundle-app.cjs');

async function main(argv) {
  const [projectRoot, ...rest] = argv;
  if (!projectRoot || !/^(apps|libs)\/[a-z-]+$/.test(projectRoot)) {
    throw new Error('usage: node tools/build/build-project.cjs <apps/<app>|libs/<lib>> [--assets <dir>:<dest>]... [--entry <path under src, no extension>]...');
  }
  const assets = rest.filter((_, i) => rest[i - 1] === '--assets');
  const entries = rest.filter((_, i) => rest[i - 1] === '--entry');
  const files = compileProject(projectRoot);
  process.stdout.write(`${projectRoot}: ${files} files compiled into dist/${projectRoot}/src\n`);
  if (projectRoot.startsWith('apps/')) {
    const outDir = await bundleApp(path.basename(projectRoot), assets, entries);
    process.stdout.write(`${projectRoot}: deployable bundle in ${path.relative(path.resolve(__dirname, '..', '..'), outDir)}\n`);
  }
}

main(process.argv.slice(2)).catch((error) => {
  process.stderr.write(`${error.message ?? error}\n`);
  process.exit(1);
});
