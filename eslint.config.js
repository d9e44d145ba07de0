// ESLint flat config. The import rules encode the layering table of docs/conventions.md (Layers):
// which folder may import which, where `electron` may appear, and where raw IPC is allowed.
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

const nodeBuiltins = ['node:*', ...builtinModules, ...builtinModules.map((m) => `${m}/*`)];

/** Import-string patterns that reach into another layer's folder. */
const layer = (name) => [`**/${name}`, `**/${name}/**`];

/** Builds one `no-restricted-imports` rule from forbidden patterns and restricted named imports. */
function restrict({ patterns = [], paths = [], message, surfaces = false }) {
  const options = {};
  if (paths.length) options.paths = paths;
  options.patterns = [];
  if (patterns.length) options.patterns.push({ group: patterns, message });
  if (surfaces) options.patterns.push(...publicSurfaces);
  if (!options.patterns.length) delete options.patterns;
  return ['error', options];
}

/**
 * Folders of main/ with a declared public surface: the rest of main imports them only through their index.ts, so
 * everything else in the folder can change without a reader outside noticing. Tests and test support may reach in.
 */
const publicSurfaces = [
  {
    group: ['**/read-models/*', '!**/read-models/index.ts'],
    message: 'import the read models through main/read-models/index.ts, their public surface (docs/conventions.md).',
  },
];

const rawIpc = [
  {
    name: 'electron',
    importNames: ['ipcMain'],
    message: 'raw ipcMain only in main/app/ipc-main-bridge.ts (the validating wrapper).',
  },
  { name: 'electron', importNames: ['ipcRenderer'], message: 'raw ipcRenderer only in preload/index.ts.' },
];

const controlPlaneForbidden = [
  'electron',
  'electron/*',
  'react',
  'react-dom',
  ...layer('main'),
  ...layer('preload'),
  ...layer('renderer'),
];

const mainForbidden = [
  'electron',
  'electron/*',
  'react',
  'react-dom',
  ...layer('preload'),
  ...layer('renderer'),
  ...layer('control-plane'),
];

const rules = {
  shared: restrict({
    patterns: [
      ...nodeBuiltins,
      'electron',
      'electron/*',
      'react',
      'react-dom',
      'react-dom/*',
      'better-sqlite3',
      'eventsource',
      ...layer('main'),
      ...layer('preload'),
      ...layer('renderer'),
      ...layer('control-plane'),
    ],
    message: 'shared/ runs anywhere: no Node, DOM, Electron or other-layer imports (docs/conventions.md).',
  }),
  main: restrict({
    patterns: mainForbidden,
    message: 'main/ services import no electron (only main/app/ does), and never preload/renderer/control-plane.',
    surfaces: true,
  }),
  mainTests: restrict({
    patterns: mainForbidden,
    message: 'main/ services import no electron (only main/app/ does), and never preload/renderer/control-plane.',
  }),
  mainApp: restrict({
    patterns: ['react', 'react-dom', ...layer('preload'), ...layer('renderer'), ...layer('control-plane')],
    paths: rawIpc,
    message: 'main/app may import electron but never preload/renderer/control-plane.',
    surfaces: true,
  }),
  preload: restrict({
    patterns: [
      ...nodeBuiltins,
      'react',
      'react-dom',
      ...layer('main'),
      ...layer('renderer'),
      ...layer('control-plane'),
    ],
    message: 'preload/ imports only electron (contextBridge, ipcRenderer) and shared types/constants.',
  }),
  renderer: restrict({
    patterns: [
      ...nodeBuiltins,
      'electron',
      'electron/*',
      'better-sqlite3',
      'eventsource',
      ...layer('main'),
      ...layer('preload'),
      ...layer('control-plane'),
    ],
    message: 'renderer/ never imports main, preload, control-plane, electron or Node modules.',
  }),
  sdk: restrict({
    patterns: [
      'electron',
      'electron/*',
      'react',
      'react-dom',
      'better-sqlite3',
      ...layer('main'),
      ...layer('preload'),
      ...layer('renderer'),
      ...layer('control-plane'),
    ],
    message: 'sdk/ runs inside any Node service: it imports only shared/, Node and @openfeature/server-sdk.',
  }),
  controlPlane: restrict({
    patterns: controlPlaneForbidden,
    message: 'control-plane/ imports only shared/ and Node.',
  }),
  controlPlaneCore: restrict({
    patterns: [
      ...controlPlaneForbidden,
      ...layer('control-plane/http'),
      ...layer('control-plane/routes'),
      '../http',
      '../http/**',
      '../routes',
      '../routes/**',
    ],
    message:
      'control-plane/domain and control-plane/ledger know no HTTP: throw DomainError (domain/errors.ts) with a code; the HTTP layer maps codes to statuses.',
  }),
};

/** Test support (fixtures, harnesses, fakes) lives in `test-support/` folders; production code never imports it. */
const testSupportImport = '/(^|\\/)test-support\\//';
const noTestSupport = [
  'error',
  ...['ImportDeclaration', 'ExportNamedDeclaration', 'ExportAllDeclaration', 'ImportExpression'].map((node) => ({
    selector: `${node}[source.value=${testSupportImport}]`,
    message: 'production code never imports test-support/ (docs/conventions.md, Tests).',
  })),
];

const domGlobals = ['window', 'document', 'navigator', 'localStorage', 'sessionStorage', 'location'];
const nodeGlobals = ['process', 'Buffer', 'require', '__dirname', '__filename', 'global', 'setImmediate'];

export default tseslint.config(
  {
    ignores: [
      'node_modules/**',
      'out/**',
      'dist/**',
      'build/**',
      'test-results/**',
      'playwright-report/**',
      'scripts/lint-fixtures/**',
      '**/*.d.ts',
      '.scratch/**',
    ],
  },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-imports': restrict({ paths: rawIpc, message: 'see docs/conventions.md (Layers)' }),
    },
  },
  {
    files: ['shared/**/*.ts'],
    rules: {
      'no-restricted-imports': rules.shared,
      'no-restricted-globals': ['error', ...domGlobals, ...nodeGlobals],
    },
  },
  { files: ['main/**/*.ts'], rules: { 'no-restricted-imports': rules.main } },
  { files: ['main/app/**/*.ts'], rules: { 'no-restricted-imports': rules.mainApp } },
  {
    files: ['main/**/*.test.ts', 'main/**/test-support/**/*.ts'],
    ignores: ['main/app/**'],
    rules: { 'no-restricted-imports': rules.mainTests },
  },
  {
    files: ['main/app/ipc-main-bridge.ts'],
    rules: {
      'no-restricted-imports': restrict({
        ...{ patterns: ['react', 'react-dom', ...layer('preload'), ...layer('renderer'), ...layer('control-plane')] },
        message: 'see docs/conventions.md (Layers)',
      }),
    },
  },
  {
    files: ['preload/**/*.ts'],
    rules: {
      'no-restricted-imports': restrict({
        patterns: [
          ...nodeBuiltins,
          'react',
          'react-dom',
          ...layer('main'),
          ...layer('renderer'),
          ...layer('control-plane'),
        ],
        paths: [
          {
            name: 'electron',
            importNames: ['ipcMain', 'shell', 'remote', 'BrowserWindow'],
            message: 'preload uses only contextBridge and ipcRenderer.',
          },
        ],
        message: 'preload/ imports only electron (contextBridge, ipcRenderer) and shared types/constants.',
      }),
    },
  },
  {
    files: ['renderer/**/*.ts', 'renderer/**/*.tsx'],
    rules: { 'no-restricted-imports': rules.renderer, 'no-restricted-globals': ['error', ...nodeGlobals] },
  },
  { files: ['control-plane/**/*.ts'], rules: { 'no-restricted-imports': rules.controlPlane } },
  { files: ['sdk/**/*.ts'], ignores: ['sdk/**/*.test.ts'], rules: { 'no-restricted-imports': rules.sdk } },
  {
    files: ['control-plane/domain/**/*.ts', 'control-plane/ledger/**/*.ts'],
    rules: { 'no-restricted-imports': rules.controlPlaneCore },
  },
  {
    files: ['**/*.test.ts', '**/*.test.tsx', 'e2e/**/*.ts', 'scripts/**/*.ts'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off' },
  },
  {
    files: [
      'main/**/*.ts',
      'shared/**/*.ts',
      'control-plane/**/*.ts',
      'sdk/**/*.ts',
      'preload/**/*.ts',
      'renderer/**/*.ts',
      'renderer/**/*.tsx',
    ],
    ignores: ['**/*.test.ts', '**/*.test.tsx', '**/test-support/**'],
    rules: { 'no-restricted-syntax': noTestSupport },
  },
  {
    // Tests of shared/ read the published vectors from disk; the code under test stays pure.
    files: ['shared/**/*.test.ts'],
    rules: { 'no-restricted-imports': 'off', 'no-restricted-globals': 'off' },
  },
);
