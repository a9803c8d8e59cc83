import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = fileURLToPath(new URL('.', import.meta.url));

/**
 * The explorer (`/`) and the console (`/console`), built into `dist/` (git-ignored) and served by
 * the gateway. Every asset lands under `/console/assets/`, so both pages load from this origin
 * alone; each party's pages are chunks of their own, loaded when that party signs in.
 */
export default defineConfig({
  root: here,
  base: '/console/',
  logLevel: 'warn',
  // The console's code reads no environment: nothing of the build machine leaks into a bundle.
  envPrefix: 'KX_CONSOLE_PUBLIC_',
  publicDir: false,
  oxc: { jsx: { runtime: 'automatic' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // Inline nothing as data: URLs: every asset is a file of this origin.
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 2_000,
    rolldownOptions: {
      input: { explorer: `${here}explorer.html`, console: `${here}index.html` },
    },
  },
});
