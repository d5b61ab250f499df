#!/usr/bin/env node
// Stable bin entry: exists at install time (npm links bins only to files that exist), and loads
// the compiled CLI built by `npm run build`.
'use strict';
try {
  require('../dist/cli.js');
} catch (err) {
  if (err && err.code === 'MODULE_NOT_FOUND' && String(err.message).includes('dist/cli.js')) {
    process.stderr.write(
      'massa-bootstrap: not built yet; run `npm run build` at the repository root\n',
    );
    process.exit(5);
  }
  throw err;
}
