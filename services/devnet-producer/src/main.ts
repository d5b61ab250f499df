/**
 * Entry point of the devnet producer: `node dist/main.js [flags]` (settings from env and flags,
 * see config.ts). Exits 0 after SIGINT/SIGTERM, 1 on a fatal error, 2 on a bad setting.
 */
import { parseCommandLine } from './cli';
import { ConfigError, type ProducerConfig } from './config';
import { createLogger } from './logger';
import { DevnetProducer } from './producer';

async function main(): Promise<number> {
  let config: ProducerConfig;
  try {
    const commandLine = parseCommandLine(process.argv.slice(2), process.env);
    if (commandLine.kind === 'exit') return commandLine.code;
    config = commandLine.config;
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`devnet-producer: invalid configuration: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  const logger = createLogger(config.logLevel);
  const producer = new DevnetProducer(config, { logger });
  const onSignal = (signal: NodeJS.Signals): void => {
    logger.info({ signal }, 'stopping');
    void producer.stop();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    await producer.run();
    return 0;
  } catch (err) {
    logger.fatal({ err }, 'devnet producer failed');
    await producer.stop();
    return 1;
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(
      `devnet-producer: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exit(1);
  },
);
