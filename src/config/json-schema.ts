import { z } from 'zod';
import { configSchema } from './schema/index.js';
import type { Path } from './yaml-source.js';

type JsonSchema = {
  properties?: Record<string, JsonSchema>;
  additionalProperties?: JsonSchema | boolean;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  [key: string]: unknown;
};

/** The JSON Schema editors use for rewind.yaml, generated from the one schema. */
export function configJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return { ...schema, $id: 'https://rewind.dev/schema/rewind.schema.json', title: 'rewind.yaml' };
}

let cached: JsonSchema | null = null;

/** Keys allowed at a path, for "did you mean" hints. */
export function knownKeysAt(path: Path): string[] {
  cached ??= configJsonSchema() as JsonSchema;
  let nodes: JsonSchema[] = [cached];
  for (const segment of path) {
    const next: JsonSchema[] = [];
    for (const node of nodes.flatMap(expand)) {
      if (typeof segment === 'number' && node.items) next.push(node.items);
      else if (typeof segment === 'string' && node.properties?.[segment])
        next.push(node.properties[segment] as JsonSchema);
      else if (typeof segment === 'string' && typeof node.additionalProperties === 'object')
        next.push(node.additionalProperties);
    }
    nodes = next;
  }
  return [...new Set(nodes.flatMap(expand).flatMap((n) => Object.keys(n.properties ?? {})))];
}

const expand = (node: JsonSchema): JsonSchema[] => [
  node,
  ...(node.anyOf ?? []).flatMap(expand),
  ...(node.oneOf ?? []).flatMap(expand),
];
