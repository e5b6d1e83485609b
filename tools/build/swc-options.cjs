// One set of swc options for everything that turns our TypeScript into CommonJS: the Nx build
// (tools/build/compile-project.cjs) and Jest. Legacy decorators with their metadata, because Nest's
// constructor injection reads `design:paramtypes`.
module.exports = function swcOptions({ sourceMaps }) {
  return {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2023',
    },
    module: { type: 'commonjs' },
    sourceMaps,
  };
};
