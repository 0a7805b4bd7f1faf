// The --config file format: its JSON Schema (src/runtime/node/config.schema.json) is generated from
// the zod schema the server validates with, and must be regenerated when that changes; the
// documented example passes the server's own validation; `gloss serve --config` reads it.
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { ProxyConfigSchema, parseProxyConfig, resolveProxyConfig } from '../../src/core/proxy/config.ts';
import { proxyConfigFor } from '../../src/runtime/node/cli.ts';
import { configJsonSchema, SCHEMA_FILE } from '../../scripts/config-schema.ts';

const EXAMPLE = 'src/runtime/node/config.example.json';

describe('config file JSON Schema', () => {
  it('the committed schema is what the generator writes from the zod schema (else: npm run build:schema)', () => {
    const committed = JSON.parse(readFileSync(SCHEMA_FILE, 'utf8'));
    expect(committed, 'config.schema.json is out of date: run `npm run build:schema`').toEqual(configJsonSchema());
  });

  it('names every option of the zod schema, with a description, and allows no others', () => {
    const schema = configJsonSchema() as {
      properties: Record<string, { description?: string }>;
      additionalProperties: unknown;
    };
    expect(Object.keys(schema.properties).sort()).toEqual(Object.keys(ProxyConfigSchema.shape).sort());
    expect(
      Object.entries(schema.properties)
        .filter(([, p]) => !p.description)
        .map(([k]) => k),
    ).toEqual([]);
    expect(schema.additionalProperties).toBe(false);
  });

  it('the documented example passes the server validation and serve reads it', async () => {
    const example = JSON.parse(readFileSync(EXAMPLE, 'utf8'));
    expect(example.$schema).toBe('./node_modules/@gloss-lens/gloss/config.schema.json'); // editors follow it
    const parsed = parseProxyConfig(example, EXAMPLE);
    expect(parsed).not.toHaveProperty('$schema');
    const resolved = resolveProxyConfig(parsed);
    expect([...resolved.upstreams.keys()].sort()).toEqual(['groq', 'openai', 'openrouter']);
    const cfg = await proxyConfigFor({ config: EXAMPLE }, {});
    expect(resolveProxyConfig(cfg!).upstreams.has('groq')).toBe(true);
    expect(() => parseProxyConfig({ ...example, budgetMS: 50 }, EXAMPLE)).toThrow(/budgetMS/);
  });
});
