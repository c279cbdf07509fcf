import { defineConfig } from "vite";

const page = (path: string): string => decodeURIComponent(new URL(path, import.meta.url).pathname);

// Two pages: the app at / and the projector at /project/ (the server redirects /project there).
export default defineConfig({
  base: "/",
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    rollupOptions: {
      input: {
        app: page("./index.html"),
        projector: page("./project/index.html"),
      },
    },
  },
  server: {
    proxy: {
      "/api": "http://127.0.0.1:8000",
      "/drafts": { target: "ws://127.0.0.1:8000", ws: true },
    },
  },
});
