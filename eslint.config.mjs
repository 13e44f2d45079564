// ESLint for the extension, the service, the tests, the benchmarks and the scripts: the
// typescript-eslint recommended rules with the conventions of JupyterLab's extension template
// (interfaces named I…, curly braces, ===); formatting is Prettier's.
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'lib/',
      'server/lib/',
      'packages/*/lib/',
      'labextensions/',
      'jupyterlab_atelier/service/',
      'dist/',
      '.venv/',
      '.ci-work/',
      'coverage/',
      'ui-tests/build/',
      'ui-tests/test-results/',
      'ui-tests/playwright-report/'
    ]
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
    rules: {
      '@typescript-eslint/naming-convention': [
        'error',
        { selector: 'interface', format: ['PascalCase'], custom: { regex: '^I[A-Z]', match: true } }
      ],
      '@typescript-eslint/no-unused-vars': ['error', { args: 'none', caughtErrors: 'none', ignoreRestSiblings: true }],
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-namespace': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
      curly: ['error', 'all'],
      eqeqeq: ['error', 'smart'],
      'prefer-arrow-callback': 'error',
      // A widget declared first and created after the closures that use it is fine.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }]
    }
  },
  {
    // Plain JavaScript run by Node (benchmarks, scripts, configuration): CommonJS.
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
    rules: {
      '@typescript-eslint/no-require-imports': 'off',
      // `const crypto = require('crypto')` names the module that is also a global in Node 20.
      'no-redeclare': ['error', { builtinGlobals: false }]
    }
  }
);
