// Resolves `@mediaplane/<lib>` imports of the compiled apps to dist/libs/<lib>/src,
// mirroring the `paths` of tsconfig.base.json (and `@mediaplane/<lib>/<entry>` to its src/<entry>.js). Loaded with `node --require`.
const Module = require('node:module');
const path = require('node:path');

const distRoot = process.env.MEDIAPLANE_DIST_ROOT || path.resolve(__dirname, '..', '..', 'dist');
const originalResolve = Module._resolveFilename;

Module._resolveFilename = function resolveMediaplane(request, parent, ...rest) {
  // `@mediaplane/<lib>` is the library's index; `@mediaplane/<lib>/<entry>` one of its secondary entry points.
  const match = /^@mediaplane\/([a-z-]+)(?:\/([a-z-]+))?$/.exec(request);
  if (match) return originalResolve.call(this, path.join(distRoot, 'libs', match[1], 'src', `${match[2] ?? 'index'}.js`), parent, ...rest);
  return originalResolve.call(this, request, parent, ...rest);
};
