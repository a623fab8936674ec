// Lint rules run by the test command (scripts/test.sh): the ones that find bugs, not taste. Formatting is Prettier's.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'web/dist/**', 'node_modules/**', 'artefacts/**', 'coverage/**'] },
  {
    files: ['**/*.ts'],
    extends: [js.configs.recommended, ...tseslint.configs.recommended],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // A promise nobody awaits or hands on loses its error: mark deliberate ones with `void`.
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
      // No unused code: variables, parameters (a leading _ marks one kept for a signature), imports.
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
      'no-unused-private-class-members': 'error',
      'no-unused-labels': 'error',
      'no-unreachable': 'error',
      // Lines of at most 120 columns (Prettier's width, which breaks code but not literals or comments). Exempt:
      // regular expressions, template literals (usage texts, YAML and SQL read as written) and test titles (named
      // in docs/compliance by their exact text).
      'max-len': [
        'error',
        {
          code: 120,
          ignoreRegExpLiterals: true,
          ignoreTemplateLiterals: true,
          ignoreUrls: true,
          ignorePattern: '^\\s*(it|test|describe)(\\.\\w+)*\\(',
        },
      ],
      // Taste, not bugs: the detectors' patterns escape `-` and `/` in classes for the reader.
      'no-useless-escape': 'off',
    },
  },
  {
    // Tests, benchmarks and scripts read parsed JSON and manifests field by field.
    files: ['test/**/*.ts', 'bench/**/*.ts', 'scripts/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);
