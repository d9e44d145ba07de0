// Builds the Node SDK (docs/sdk.md) as a standalone ES module package: index.js (the client), openfeature.js (the
// OpenFeature provider) and a package.json with @openfeature/server-sdk as an optional peer dependency. Used by
// `npm run build` (into out/sdk, which electron-builder.yml leaves out of the desktop app) and by sdk/bundle.test.ts.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build as viteBuild } from 'vite';

/** Builds the SDK package from the repository at `root` into `outDir`. */
export async function buildSdk(root, outDir) {
  await viteBuild({
    root,
    configFile: false,
    logLevel: 'warn',
    build: {
      ssr: true,
      outDir,
      emptyOutDir: true,
      target: 'node20',
      rollupOptions: {
        input: { index: join(root, 'sdk', 'index.ts'), openfeature: join(root, 'sdk', 'openfeature.ts') },
        external: ['@openfeature/server-sdk', /^node:/],
        output: { entryFileNames: '[name].js' },
      },
    },
  });
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const serverSdk = pkg.devDependencies['@openfeature/server-sdk'];
  const manifest = {
    name: '@tombstone/sdk',
    version: pkg.version,
    description: 'Tombstone SDK for Node services: local flag evaluation, streaming updates, OpenFeature provider',
    type: 'module',
    main: 'index.js',
    exports: { '.': './index.js', './openfeature': './openfeature.js' },
    engines: { node: '>=20' },
    peerDependencies: { '@openfeature/server-sdk': `^${serverSdk}` },
    peerDependenciesMeta: { '@openfeature/server-sdk': { optional: true } },
  };
  writeFileSync(join(outDir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
}
