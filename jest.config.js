/*
 * Three projects, one runner:
 *  - frontend: the JupyterLab extension (testutils preset, jsdom), against a real `atelier serve`;
 *  - server-unit: service logic (configuration, auth, flavors, logging);
 *  - integration: the gateway with a real Jupyter server on loopback.
 */
const jlabConfig = require('@jupyterlab/testutils/lib/jest-config');

// Project-level config: leave out the preset's global-only keys.
const { reporters, coverageReporters, coverageDirectory, testTimeout, ...frontend } = jlabConfig(__dirname);
// JupyterLab's packages are ES modules: let babel transform them as well.
const esModules = [
  '@codemirror',
  '@jupyter/ydoc',
  '@jupyter/react-components',
  '@jupyter/web-components',
  '@microsoft',
  '@jupyterlab/',
  'exenv-es6',
  'lib0',
  'nanoid',
  'vscode-ws-jsonrpc',
  'y-protocols',
  'y-websocket',
  'yjs'
].join('|');

// The service's tests compile the API contract from its source, as they do the service.
const apiSource = {
  '^@atelier/api$': '<rootDir>/packages/api/src/index.ts',
  '^@atelier/api/lib/(.*)$': '<rootDir>/packages/api/src/$1.ts'
};

module.exports = {
  testTimeout: 120000,
  modulePathIgnorePatterns: ['<rootDir>/labextensions/', '<rootDir>/lab/build/', '<rootDir>/ui-tests/'],
  projects: [
    {
      ...frontend,
      displayName: 'frontend',
      testRegex: 'src/__tests__/.*\\.spec\\.tsx?$',
      testPathIgnorePatterns: ['/node_modules/', '/lib/'],
      transformIgnorePatterns: [`/node_modules/(?!${esModules}).+`]
    },
    {
      displayName: 'server-unit',
      testEnvironment: 'node',
      testMatch: ['<rootDir>/server/test/unit/**/*.test.ts'],
      moduleNameMapper: apiSource,
      transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/server/tsconfig.test.json' }] }
    },
    {
      displayName: 'integration',
      testEnvironment: 'node',
      testMatch: ['<rootDir>/server/test/integration/**/*.test.ts'],
      moduleNameMapper: apiSource,
      transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/server/tsconfig.test.json' }] }
    }
  ]
};
