// The deployable of one app (used by tools/build/build-project.cjs), once the app and its libraries
// are compiled in dist/. esbuild bundles dist/apps/<app>/src/main.js
// with the @mediaplane/* libraries it imports into dist/deploy/<app>/main.js; every npm package stays
// external (OpenTelemetry's instrumentations patch packages as `require` loads them, native packages
// such as mediasoup carry binaries) and is listed, at the version installed here (package-lock.json),
// in a pruned dist/deploy/<app>/package.json. `npm install --omit=dev` there, then `node main.js`.
'use strict';
const { builtinModules } = require('node:module');
const { cpSync, existsSync, readFileSync, rmSync, writeFileSync } = require('node:fs');
const path = require('node:path');
const esbuild = require('esbuild');

const root = path.resolve(__dirname, '..', '..');
const BUILTINS = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));
const WORKSPACE_IMPORT = /^@mediaplane\/([a-z-]+)(?:\/([a-z-]+))?$/;
/** Packages loaded by name at run time by a package we import, so no import of ours shows them. */
const RUNTIME_PEERS = { '@nestjs/core': ['@nestjs/platform-express'] };

/** `@scope/name/sub/path` → `@scope/name`; `name/sub` → `name`. */
function packageName(request) {
  const parts = request.split('/');
  return request.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/** Resolves our libraries to their compiled files and keeps every npm package external, noting its name. */
function workspacePlugin(used) {
  return {
    name: 'mediaplane-workspace',
    setup(build) {
      build.onResolve({ filter: /^[^./]/ }, (args) => {
        const lib = WORKSPACE_IMPORT.exec(args.path);
        if (lib) {
          const file = path.join(root, 'dist', 'libs', lib[1], 'src', `${lib[2] ?? 'index'}.js`);
          if (!existsSync(file))
            return {
              errors: [{ text: `${args.path} is not built (${path.relative(root, file)} is missing): build through Nx, which builds the libraries first` }],
            };
          return { path: file };
        }
        if (BUILTINS.has(args.path)) return { path: args.path, external: true };
        used.add(packageName(args.path));
        return { path: args.path, external: true };
      });
    },
  };
}

function prunedManifest(app, used) {
  const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
  const lock = JSON.parse(readFileSync(path.join(root, 'package-lock.json'), 'utf8'));
  const dependencies = {};
  const all = new Set([...used].flatMap((name) => [name, ...(RUNTIME_PEERS[name] ?? [])]));
  for (const name of [...all].sort()) {
    if (!pkg.dependencies?.[name]) throw new Error(`${app} imports ${name}, which is not in the root package.json dependencies`);
    dependencies[name] = lock.packages?.[`node_modules/${name}`]?.version ?? pkg.dependencies[name];
  }
  return {
    name: `@mediaplane/${app}`,
    version: pkg.version,
    private: true,
    description: `Mediaplane ${app} (bundled)`,
    license: pkg.license,
    engines: pkg.engines,
    main: 'main.js',
    scripts: { start: 'node main.js' },
    dependencies,
  };
}

/**
 * `assets`: `<dir>:<dest>` pairs copied into the bundle (the control plane's dashboard). `entries`: more programs of
 * the app (paths under its src/, without extension) bundled beside main.js under their base name, where the app
 * finds them as `join(__dirname, '<name>.js')` both in dist/apps/<app>/src/… and in the bundle (the transcode
 * worker's E-RTMP push, which it runs as a child process).
 */
async function bundleApp(app, assets = [], entries = []) {
  const src = path.join(root, 'dist', 'apps', app, 'src');
  const entry = path.join(src, 'main.js');
  if (!existsSync(entry)) throw new Error(`${path.relative(root, entry)} is missing: run \`npx nx build ${app}\``);
  const extra = entries.map((name) => ({ in: path.join(src, `${name}.js`), out: path.basename(name) }));
  const missing = extra.find((e) => !existsSync(e.in));
  if (missing) throw new Error(`${path.relative(root, missing.in)} is missing: is the --entry path right?`);
  const outDir = path.join(root, 'dist', 'deploy', app);
  rmSync(outDir, { recursive: true, force: true });
  const used = new Set();
  await esbuild.build({
    entryPoints: [{ in: entry, out: 'main' }, ...extra],
    outdir: outDir,
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'cjs',
    sourcemap: true,
    // Nest reports providers by class name; keep them as written.
    keepNames: true,
    logLevel: 'warning',
    plugins: [workspacePlugin(used)],
  });
  writeFileSync(path.join(outDir, 'package.json'), `${JSON.stringify(prunedManifest(app, used), null, 2)}\n`);
  for (const spec of assets) {
    const [from, to] = spec.split(':');
    cpSync(path.join(root, from), path.join(outDir, to), { recursive: true });
  }
  return outDir;
}

module.exports = { bundleApp };
