import type { CodegenConfig } from '@graphql-codegen/cli';

/**
 * The typed client SDK: operation types for agency developers, generated from the emitted SDL
 * (schema/schema.graphql, kept current by `npm run schema:check`) and sdk/operations/*.graphql.
 * Runs offline: `npm run codegen`.
 */
const config: CodegenConfig = {
  schema: 'schema/schema.graphql',
  documents: ['sdk/operations/**/*.graphql'],
  ignoreNoDocuments: false,
  generates: {
    'src/sdk/generated/': {
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: {
        useTypeImports: true,
        emitLegacyCommonJSImports: false,
        enumsAsTypes: true,
        scalars: { JSON: 'unknown', DateTime: 'string' },
      },
    },
  },
};

export default config;
