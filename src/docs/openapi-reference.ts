import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../config/load.js';
import { startController } from '../runtime/controller.js';
import { controllerServices } from '../runtime/services.js';

/**
 * docs/reference/openapi.json: the document `GET /v1/openapi.json` serves, read
 * from a controller started for the purpose on a throwaway project (loopback,
 * a free port, its own state dir), so it lists exactly the routes `rewind serve`
 * registers.
 */
export async function renderOpenApiReference(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'rewind-openapi-'));
  try {
    writeFileSync(join(dir, 'rewind.yaml'), 'version: 1\nenvironments:\n  production: {}\nservices: {}\n');
    const loaded = loadConfig(join(dir, 'rewind.yaml'), {});
    const controller = await startController(loaded, {
      listen: '127.0.0.1:0',
      ...controllerServices(loaded),
      log: () => undefined,
    });
    try {
      const answer = await fetch(`${controller.url}/v1/openapi.json`);
      if (!answer.ok) throw new Error(`GET /v1/openapi.json answered ${answer.status}`);
      return `${JSON.stringify(await answer.json(), null, 2)}\n`;
    } finally {
      await controller.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
