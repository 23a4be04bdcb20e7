/**
 * Vite configuration of the playground page. The page is built from the library's source:
 * `import … from 'puregrad'` in playground/src resolves to src/index.ts, not to dist/ (and
 * `puregrad/browser` to src/browser/index.ts).
 *
 *   npm run playground          # dev server
 *   npm run playground:build    # static files in dist-playground/
 */
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url))

export default defineConfig({
  root: here('.'),
  base: './',
  resolve: {
    alias: [
      { find: /^puregrad\/browser$/, replacement: here('../src/browser/index.ts') },
      { find: /^puregrad$/, replacement: here('../src/index.ts') },
    ],
  },
  build: {
    outDir: here('../dist-playground'),
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 2000,
  },
  server: { host: '127.0.0.1' },
})
