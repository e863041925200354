// Injected into the CommonJS bundles so code written with import.meta.url works.
export const importMetaUrl = require('node:url').pathToFileURL(__filename).href;
