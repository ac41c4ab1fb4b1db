import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { layers } from './eslint-layers.js';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  {
    // the one-way rule of DESIGN.md: core < adapters < app < server < runtime; cli over HTTP
    files: ['src/**/*.ts'],
    plugins: { layers },
    rules: { 'layers/one-way': 'error' },
  },
);
