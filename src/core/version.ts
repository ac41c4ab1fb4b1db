/** Rewind's version: `rewind --version`, the OpenAPI document's `info.version`. Keep it equal to package.json's. */
export const REWIND_VERSION = '0.1.0';
