/// <reference types="vitest/config" />
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The console is served by the service under /ui/ (src/console/console-routes.ts); hashed files go to static/ so that
// an SPA route such as /ui/assets/… can never be mistaken for a file. `npm run dev -w web` proxies the API to :4000.
const api = process.env.APPHUB_API_URL ?? 'http://127.0.0.1:4000';
const apiPaths = ['/workflows', '/workflow-runs', '/assets', '/events', '/docs', '/health'];

export default defineConfig({
  base: '/ui/',
  plugins: [react()],
  build: { outDir: 'dist', assetsDir: 'static', emptyOutDir: true, chunkSizeWarningLimit: 900 },
  server: { proxy: Object.fromEntries(apiPaths.map((path) => [path, { target: api, changeOrigin: false }])) },
  test: {
    environment: 'jsdom',
    setupFiles: ['./src/test-setup.ts'],
    include: ['src/**/*.test.{ts,tsx}'],
    css: false,
  },
});
