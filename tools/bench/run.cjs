#!/usr/bin/env node
// Compiles and runs one benchmark: `node tools/bench/run.cjs <bench> [args...]`.
//
// A bench lives in tools/bench/<bench>/<bench>-bench.ts. This runner
//   1. compiles the apps (tsconfig.build.json → dist/), because the benches
//      measure the compiled services; `--no-build` skips it;
//   2. compiles tools/bench with its own tsconfig into dist/tools-bench/
//      (with private copies of the libs it imports, @mediaplane/testing too,
//      which the app build leaves out);
//   3. runs the bench with those copies on the module path and forwards
//      Ctrl-C / SIGTERM, so the bench can stop every process it started.
// Type errors elsewhere are reported and tolerated (tsc emits anyway); errors
// in the bench being run or in tools/bench/common stop the run, since the
// numbers of a bench that does not type-check are not worth waiting for.
'use strict';
const { spawn, spawnSync } = require('node:child_process');
const { existsSync, readdirSync } = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..', '..');
const out = (line) => process.stderr.write(`[bench] ${line}\n`);

function benches() {
  return readdirSync(__dirname, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(path.join(__dirname, d.name, `${d.name}-bench.ts`)))
    .map((d) => d.name);
}

function usage(code) {
  out(`usage: node tools/bench/run.cjs <${benches().join('|')}> [--no-build] [bench options; --help for each]`);
  process.exit(code);
}

/** Runs tsc; returns its error lines split into ours (fatal) and others'. */
function tsc(project, ownPrefix) {
  const bin = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  const result = spawnSync(process.execPath, [bin, '-p', project, '--pretty', 'false'], { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const errors = `${result.stdout}${result.stderr}`.split('\n').filter((l) => /error TS\d+/.test(l));
  return { ours: errors.filter((l) => ownPrefix.some((p) => l.startsWith(p))), others: errors.filter((l) => !ownPrefix.some((p) => l.startsWith(p))) };
}

function main() {
  const major = Number(process.versions.node.split('.')[0]);
  if (major < 22) {
    out(`Node ${process.versions.node} is too old: run it as \`npm run bench -- <bench>\`, which provides Node 24`);
    process.exit(2);
  }
  const argv = process.argv.slice(2);
  const bench = argv[0];
  if (!bench || bench === '--help' || bench === '-h') usage(bench ? 0 : 2);
  if (!benches().includes(bench)) {
    out(`unknown bench "${bench}"`);
    usage(2);
  }
  const noBuild = argv.includes('--no-build');
  const args = argv.slice(1).filter((a) => a !== '--no-build');

  if (!noBuild) {
    out('compiling the apps (tsc -p tsconfig.build.json)…');
    const apps = tsc('tsconfig.build.json', []);
    if (apps.others.length > 0) out(`tsc reported ${apps.others.length} type error(s) in the tree (emitted anyway): ${apps.others.slice(0, 3).join(' | ')}`);
  }
  out('compiling tools/bench…');
  const own = tsc('tools/bench/tsconfig.json', [`tools/bench/${bench}/`, 'tools/bench/common/']);
  if (own.ours.length > 0) {
    out(`type errors in the ${bench} bench:\n${own.ours.join('\n')}`);
    process.exit(1);
  }
  if (own.others.length > 0) out(`${own.others.length} type error(s) outside the ${bench} bench (ignored): ${own.others.slice(0, 2).join(' | ')}`);

  const distRoot = path.join(root, 'dist', 'tools-bench');
  const entry = path.join(distRoot, 'tools', 'bench', bench, `${bench}-bench.js`);
  const child = spawn(process.execPath, ['--require', path.join(root, 'tools', 'runtime', 'register-paths.cjs'), entry, ...args], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, MEDIAPLANE_DIST_ROOT: distRoot },
  });
  // A terminal's Ctrl-C reaches the bench too (same process group); a signal
  // sent to this runner alone is passed on. Either way we wait for its cleanup.
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.on(signal, () => {
      if (child.exitCode === null) child.kill(signal);
    });
  }
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 130 : 1)));
}

main();
