import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '**/generated/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { prefer: 'type-imports', fixStyle: 'inline-type-imports', disallowTypeAnnotations: false }],
      eqeqeq: ['error', 'smart'],
      // A package is used through its declared surface (its `exports`): the name, or `/testing`
      // for test helpers. A path into its files would tie the importer to its layout.
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['@gpulab/*/dist', '@gpulab/*/dist/**', '@gpulab/*/src', '@gpulab/*/src/**'], message: 'import a gpulab package by its name (or its /testing entry), not a path into it' },
          ],
        },
      ],
    },
  },
  {
    // Nest resolves constructor parameters from emitted metadata, which a type-only import erases.
    files: ['services/**/*.ts'],
    rules: { '@typescript-eslint/consistent-type-imports': 'off' },
  },
);
