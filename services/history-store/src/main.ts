/**
 * The history-store executable: configuration from flags and environment (a bad value exits
 * with code 2 and a message naming the setting), JSON logs, graceful shutdown on SIGTERM and
 * SIGINT (exit 0), exit 1 on any other start-up failure.
 */
import { parseCommandLine } from './cli';
import { ConfigError, resolveConfig, type HistoryStoreConfig } from './config';
import { createLogger } from './logger';
import { startHistoryStore } from './server';

async function main(): Promise<void> {
  let config: HistoryStoreConfig;
  try {
    const commandLine = parseCommandLine(process.argv.slice(2), process.env);
    if (commandLine.kind === 'exit') {
      process.exitCode = commandLine.code;
      return;
    }
    config = resolveConfig(commandLine.options);
  } catch (err) {
    process.stderr.write(`history-store: invalid configuration: ${(err as Error).message}\n`);
    process.exit(2);
  }
  const logger = createLogger(config.logLevel);
  let handle;
  try {
    handle = await startHistoryStore(config, logger);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`history-store: invalid configuration: ${err.message}\n`);
      process.exit(2);
    }
    logger.fatal({ err }, 'history-store failed to start');
    process.exit(1);
  }
  logger.info({ address: handle.address, port: handle.port }, 'listening');
  const stop = (signal: NodeJS.Signals): void => {
    logger.info({ signal }, 'signal received');
    handle.close().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.fatal({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

void main();
