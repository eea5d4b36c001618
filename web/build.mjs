// Bundles the web app (web/src) for `objectvision serve`, which builds the result into the
// binary (src/web/). Usage: node web/build.mjs OUT_DIR [NODE_MODULES_DIR]
// Writes OUT_DIR/app.js, app.css and index.html, each JavaScript and CSS file also gzipped and
// brotli-compressed at the highest levels (the server sends what the client accepts, as is).
// The file names carry no hash: the server names them by a hash of their bytes at start.
import { gzipSync, brotliCompressSync, constants } from 'node:zlib';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const [outArg, modulesArg] = process.argv.slice(2);
if (!outArg) {
  console.error('usage: node web/build.mjs OUT_DIR [NODE_MODULES_DIR]');
  process.exit(2);
}
const out = resolve(outArg);
const nodeModules = resolve(modulesArg ?? join(here, '..', 'third_party', 'web', 'node_modules'));
const esbuild = createRequire(join(nodeModules, 'noop.js'))('esbuild');

mkdirSync(out, { recursive: true });
const result = await esbuild.build({
  entryPoints: { app: join(here, 'src', 'main.jsx') },
  outdir: out,
  bundle: true,
  minify: true,
  format: 'esm',
  target: ['es2020', 'chrome100', 'firefox100', 'safari15'],
  jsx: 'automatic',
  jsxImportSource: 'preact',
  nodePaths: [nodeModules],
  legalComments: 'none',
  logLevel: 'warning',
  metafile: true,
});
if (result.errors.length) process.exit(1);
copyFileSync(join(here, 'src', 'index.html'), join(out, 'index.html'));
if (!existsSync(join(out, 'app.css'))) writeFileSync(join(out, 'app.css'), ''); // no CSS imported

for (const name of ['app.js', 'app.css']) {
  const bytes = readFileSync(join(out, name));
  writeFileSync(join(out, `${name}.gz`), gzipSync(bytes, { level: 9 }));
  writeFileSync(
    join(out, `${name}.br`),
    brotliCompressSync(bytes, {
      params: {
        [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
        [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length,
      },
    }),
  );
  const gz = readFileSync(join(out, `${name}.gz`)).length;
  const br = readFileSync(join(out, `${name}.br`)).length;
  console.log(`web: ${name} ${bytes.length} B, gzip ${gz} B, brotli ${br} B`);
}
