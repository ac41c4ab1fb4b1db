import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { configJsonSchema } from './json-schema.js';

/** `npm run schema` regenerates schema/rewind.schema.json (a test keeps it current). */
export function renderJsonSchema(): string {
  return `${JSON.stringify(configJsonSchema(), null, 2)}\n`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const target = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'schema', 'rewind.schema.json');
  writeFileSync(target, renderJsonSchema());
  console.error(`wrote ${target}`);
}
