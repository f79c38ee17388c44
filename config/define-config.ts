import type { CrosswindConfigInput } from './schema.ts';

/**
 * Identity function that gives `crosswind.config.ts` types and editor help; the same schema then validates it
 * like a YAML or JSON config.
 * @example export default defineConfig({ project: 'shop', aws: { accountIds: ['123456789012'] }, regions: [...] })
 */
export function defineConfig(config: CrosswindConfigInput): CrosswindConfigInput {
  return config;
}
