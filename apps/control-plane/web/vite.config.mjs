// Builds the dashboard into apps/control-plane/web/dist, which the control
// plane serves at `/`. Run from the workspace root by the build script:
//   vite build --config apps/control-plane/web/vite.config.mjs
// For front-end work: `vite --config apps/control-plane/web/vite.config.mjs`
// serves it with hot reload and proxies /api to a control plane on :8080.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  base: '/',
  publicDir: false,
  // The API's response types come from the contracts library (imported as types; nothing of it is bundled).
  resolve: { alias: { '@mediaplane/contracts': fileURLToPath(new URL('../../../libs/contracts/src/index.ts', import.meta.url)) } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    // hls.js alone is about 500 kB; it is loaded only when an HLS player opens.
    chunkSizeWarningLimit: 800,
  },
  server: {
    proxy: { '/api': process.env.MEDIAPLANE_DASHBOARD_API ?? 'http://127.0.0.1:8080' },
  },
});
