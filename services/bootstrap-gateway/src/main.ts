/**
 * Process entry point: `node dist/main.js [flags]` (or, from sources,
 * `node --conditions=massa-src --import tsx services/bootstrap-gateway/src/main.ts`).
 * Configuration comes from the environment and flags (see config.ts); a bad value exits with
 * status 2 and a message naming the setting. SIGTERM/SIGINT shut down gracefully (a second
 * signal exits at once).
 *
 * OpenTelemetry (see @massa-bootstrap/telemetry) runs when an OTEL_* variable is set to a
 * non-empty value, e.g. OTEL_EXPORTER_OTLP_ENDPOINT; OTEL_TRACES_EXPORTER=none keeps the
 * instrumentation (trace context still flows from clients to the history-store) without
 * exporting. It starts before the gRPC code loads: the gRPC instrumentation patches
 * @grpc/grpc-js through a require hook and only traces client classes created afterwards, so
 * server.ts (grpc-js, the generated clients, the rpc package) is imported dynamically
 * afterwards. Without any OTEL_* variable the SDK is not even loaded (it costs about a second
 * of start-up and would export nothing).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import type { Telemetry } from '@massa-bootstrap/telemetry';
import { parseCommandLine, type CliOutcome } from './cli';
import type { RunningGateway } from './server';
import type { GatewayTelemetry } from './service';

/**
 * The package version, read from the file server.ts's gatewayVersion() reads, without
 * loading server.ts (which would load gRPC before the telemetry).
 */
function packageVersion(): string {
  try {
    // src/ and dist/ both sit one level below the package root.
    const pkg = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as {
      version?: unknown;
    };
    return typeof pkg.version === 'string' ? pkg.version : '0.0.0';
  } catch {
    return '0.0.0';
  }
}

/** Started telemetry and what the gateway reports to it. */
interface StartedTelemetry {
  readonly telemetry: Telemetry;
  readonly hooks: GatewayTelemetry;
}

/** Starts telemetry when an OTEL_* variable asks for it; throws on a bad OTEL_* value. */
async function startTelemetryIfConfigured(version: string): Promise<StartedTelemetry | undefined> {
  // Empty values count as unset, as in the telemetry package (docker-compose passes empty ones).
  const configured = Object.entries(process.env).some(
    ([name, value]) => name.startsWith('OTEL_') && value?.trim(),
  );
  if (!configured) return undefined;
  const { markExpectedOutcome, startTelemetry } = await import('@massa-bootstrap/telemetry');
  const telemetry = startTelemetry({ serviceName: 'bootstrap-gateway', serviceVersion: version });
  return { telemetry, hooks: { metrics: telemetry.metrics, markExpectedOutcome } };
}

async function main(): Promise<void> {
  const version = packageVersion();
  let outcome: CliOutcome;
  let started: StartedTelemetry | undefined;
  try {
    outcome = parseCommandLine(process.argv.slice(2), process.env, version);
    if (outcome.kind === 'exit') process.exit(outcome.code);
    started = await startTelemetryIfConfigured(version);
  } catch (err) {
    process.stderr.write(`bootstrap-gateway: invalid configuration: ${(err as Error).message}\n`);
    process.exit(2);
  }
  const { config } = outcome;
  const logger = pino({ level: config.logLevel, base: { service: 'bootstrap-gateway' } });
  let gateway: RunningGateway;
  try {
    const { startGateway } = await import('./server.js'); // after the telemetry
    gateway = await startGateway(config, logger, { telemetry: started?.hooks });
  } catch (err) {
    await started?.telemetry.shutdown();
    throw err;
  }
  if (started !== undefined) {
    const { serviceName, exporters } = started.telemetry;
    logger.info({ serviceName, exporters }, 'telemetry started');
  }
  let signals = 0;
  const stop = (signal: NodeJS.Signals): void => {
    signals += 1;
    if (signals > 1) process.exit(1);
    logger.info({ signal }, 'signal received');
    void gateway
      .close()
      .then(() => started?.telemetry.shutdown()) // flushes what the exporters hold; never rejects
      .then(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`bootstrap-gateway: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
