/**
 * The history-store executable: configuration from flags and environment (a bad value exits
 * with code 2 and a message naming the setting), JSON logs, graceful shutdown on SIGTERM and
 * SIGINT (exit 0), exit 1 on any other start-up failure.
 *
 * OpenTelemetry (see @massa-bootstrap/telemetry) runs when an OTEL_* variable is set to a
 * non-empty value, e.g. OTEL_EXPORTER_OTLP_ENDPOINT; OTEL_TRACES_EXPORTER=none keeps the
 * instrumentation (trace context still flows through this service) without exporting. It
 * starts before the gRPC code loads: the gRPC instrumentation patches @grpc/grpc-js through a
 * require hook, so server.ts (grpc-js, the generated code, the rpc package) is imported
 * dynamically afterwards. Without any OTEL_* variable the SDK is not even loaded (it costs
 * about a second of start-up and would export nothing): the service runs exactly as it does
 * without telemetry.
 */
import type { Telemetry } from '@massa-bootstrap/telemetry';
import { parseCommandLine } from './cli';
import { ConfigError, resolveConfig, type HistoryStoreConfig } from './config';
import { createLogger } from './logger';
import type { HistoryStoreHandle, HistoryStoreTelemetry } from './server';
import { historyStoreVersion } from './version';

/** Started telemetry and what the store reports to it. */
interface StartedTelemetry {
  readonly telemetry: Telemetry;
  readonly hooks: HistoryStoreTelemetry;
}

/** Starts telemetry when an OTEL_* variable asks for it; throws on a bad OTEL_* value. */
async function startTelemetryIfConfigured(): Promise<StartedTelemetry | undefined> {
  // Empty values count as unset, as in the telemetry package (docker-compose passes empty ones).
  const configured = Object.entries(process.env).some(
    ([name, value]) => name.startsWith('OTEL_') && value?.trim(),
  );
  if (!configured) return undefined;
  const { markExpectedOutcome, startTelemetry } = await import('@massa-bootstrap/telemetry');
  const telemetry = startTelemetry({
    serviceName: 'history-store',
    serviceVersion: historyStoreVersion(),
  });
  return { telemetry, hooks: { metrics: telemetry.metrics, markExpectedOutcome } };
}

async function main(): Promise<void> {
  let config: HistoryStoreConfig;
  let started: StartedTelemetry | undefined;
  try {
    const commandLine = parseCommandLine(process.argv.slice(2), process.env);
    if (commandLine.kind === 'exit') {
      process.exitCode = commandLine.code;
      return;
    }
    config = resolveConfig(commandLine.options);
    started = await startTelemetryIfConfigured();
  } catch (err) {
    process.stderr.write(`history-store: invalid configuration: ${(err as Error).message}\n`);
    process.exit(2);
  }
  const logger = createLogger(config.logLevel);
  const exit = async (code: number): Promise<never> => {
    await started?.telemetry.shutdown(); // flushes what the exporters hold; never rejects
    process.exit(code);
  };
  let handle: HistoryStoreHandle;
  try {
    const { startHistoryStore } = await import('./server.js'); // after the telemetry
    handle = await startHistoryStore(config, logger, { telemetry: started?.hooks });
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`history-store: invalid configuration: ${err.message}\n`);
      return exit(2);
    }
    logger.fatal({ err }, 'history-store failed to start');
    return exit(1);
  }
  if (started !== undefined) {
    const { serviceName, exporters } = started.telemetry;
    logger.info({ serviceName, exporters }, 'telemetry started');
  }
  logger.info({ address: handle.address, port: handle.port }, 'listening');
  const stop = (signal: NodeJS.Signals): void => {
    logger.info({ signal }, 'signal received');
    handle.close().then(
      () => exit(0),
      (err: unknown) => {
        logger.fatal({ err }, 'shutdown failed');
        return exit(1);
      },
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

void main();
