#!/usr/bin/env node
// Runs the compiled JavaScript in dist/ (built by `npm run build`, which `npm ci` runs through
// `prepare`) when it is at least as new as every source file; otherwise the TypeScript sources
// through tsx, so an edited checkout never runs stale code. Heavy modules load lazily either way.
import { readdirSync, statSync } from 'node:fs';

const root = new URL('../', import.meta.url);
const newest = (dir) => {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) t = Math.max(t, statSync(`${e.parentPath ?? e.path}/${e.name}`).mtimeMs);
  }
  return t;
};
const built = (() => {
  try {
    return statSync(new URL('dist/.built', root)).mtimeMs >= newest(new URL('src/', root).pathname);
  } catch {
    return false;
  }
})();
let main;
if (built) {
  ({ main } = await import('../dist/cli/main.js'));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../src/cli/main.ts'));
}
process.exitCode = await main(process.argv.slice(2));
