// npm run build:schema: the JSON Schema of `gloss serve --config <file>` (and $GLOSS_CONFIG),
// generated from the zod schema the server validates with (ProxyConfigSchema in
// src/core/proxy/config.ts, through zod 4's z.toJSONSchema), with each property's description taken
// from the doc comments of the ProxyConfig and UpstreamConfig interfaces beside it (read with the
// TypeScript compiler API), so that neither is written twice. Writes src/runtime/node/config.schema.json;
// test/node/config-schema.test.ts fails when the committed file is out of date.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { z } from 'zod';
import { ProxyConfigSchema } from '../src/core/proxy/config.ts';

const CONFIG_TS = fileURLToPath(new URL('../src/core/proxy/config.ts', import.meta.url));
// ProxyConfig extends GlossRunOptions (the settings the middleware shares), documented there.
const RUN_OPTIONS_TS = fileURLToPath(new URL('../src/core/engine/run-options.ts', import.meta.url));
export const SCHEMA_FILE = fileURLToPath(new URL('../src/runtime/node/config.schema.json', import.meta.url));

/** Interface name -> property name -> doc comment, for the named interfaces of the given files. */
function docComments(
  names: string[],
  files: string[] = [CONFIG_TS, RUN_OPTIONS_TS],
): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  for (const file of files) collectDocs(file, names, out);
  return out;
}

function collectDocs(file: string, names: string[], out: Record<string, Record<string, string>>): void {
  const src = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  src.forEachChild((node) => {
    if (!ts.isInterfaceDeclaration(node) || !names.includes(node.name.text)) return;
    const docs: Record<string, string> = {};
    for (const m of node.members) {
      if (!ts.isPropertySignature(m) || !ts.isIdentifier(m.name)) continue;
      const text = ts
        .getJSDocCommentsAndTags(m)
        .map((d) => (typeof d.comment === 'string' ? d.comment : ''))
        .join(' ')
        .replace(/\s+/g, ' ')
        .trim();
      if (text) docs[m.name.text] = text;
    }
    out[node.name.text] = docs;
  });
}

type JsonSchema = { properties?: Record<string, JsonSchema>; anyOf?: JsonSchema[]; description?: string } & Record<
  string,
  unknown
>;

function describe(props: Record<string, JsonSchema> | undefined, docs: Record<string, string> | undefined): void {
  for (const [k, p] of Object.entries(props ?? {})) if (docs?.[k] && !p.description) p.description = docs[k];
}

/** The config file's JSON Schema (draft 2020-12), as `npm run build:schema` writes it. */
export function configJsonSchema(): JsonSchema {
  const schema = z.toJSONSchema(ProxyConfigSchema, { target: 'draft-2020-12', io: 'input' }) as JsonSchema;
  const docs = docComments(['ProxyConfig', 'UpstreamConfig', 'GlossRunOptions']);
  describe(schema.properties, { ...docs.GlossRunOptions, ...docs.ProxyConfig });
  const upstream = (schema.properties?.upstreams?.additionalProperties as JsonSchema | undefined)?.anyOf?.find(
    (s) => s.type === 'object',
  );
  describe(upstream?.properties, docs.UpstreamConfig);
  return {
    $schema: schema.$schema,
    title: 'Gloss proxy configuration (gloss serve --config)',
    description:
      'The LLM proxy configuration of `gloss serve --config <file>` or $GLOSS_CONFIG. Layers, later ones winning: the public APIs as upstreams `openai` and `anthropic`, this file, the GLOSS_* environment variables, the command-line flags. Generated from the zod schema Gloss validates with (src/core/proxy/config.ts).',
    ...Object.fromEntries(Object.entries(schema).filter(([k]) => k !== '$schema')),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  // Formatted as the rest of the tree (prettier), so format:check passes on a regenerated file.
  const prettier = await import('prettier');
  const options = { ...(await prettier.resolveConfig(SCHEMA_FILE)), filepath: SCHEMA_FILE };
  writeFileSync(SCHEMA_FILE, await prettier.format(JSON.stringify(configJsonSchema()), options));
  console.log(`wrote ${SCHEMA_FILE}`);
}
