import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// `npm run dev:web` serves the workspace with hot reload and forwards the API to a gateway
// running on GATEWAY_URL (default http://localhost:3000), so cookies stay same-origin.
const gateway = process.env.GATEWAY_URL ?? 'http://localhost:3000';

export default defineConfig({
  root: import.meta.dirname,
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true },
  server: {
    proxy: {
      '/admin': { target: gateway, changeOrigin: false },
      '/auth': { target: gateway, changeOrigin: false },
    },
  },
});
