'use strict';
/**
 * Loads the generated gRPC code (@massa-bootstrap/proto) for the plain-JS scripts: the compiled
 * package (packages/proto/dist, what `npm run build` and the Docker image provide), or its
 * TypeScript sources through tsx when running from sources (MASSA_START_FROM_SOURCE=1, tests).
 */
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..', '..');

/** True when the scripts should run the services and the generated code from sources. */
function fromSource(env = process.env) {
  return env.MASSA_START_FROM_SOURCE === '1' || env.MASSA_START_FROM_SOURCE === 'true';
}

/** The @massa-bootstrap/proto module (HealthClient, BootstrapGatewayClient, HistoryStoreClient...). */
function loadProto(source = fromSource()) {
  if (!source) return require('@massa-bootstrap/proto');
  require('tsx/cjs/api').register();
  return require(path.join(ROOT, 'packages', 'proto', 'src', 'index.ts'));
}

module.exports = { ROOT, fromSource, loadProto };
