/**
 * Process entry point: `node dist/main.js [flags]` (or, from sources,
 * `node --conditions=massa-src --import tsx services/bootstrap-gateway/src/main.ts`).
 * Configuration comes from the environment and flags (see config.ts); a bad value exits with
 * status 2 and a message naming the setting. SIGTERM/SIGINT shut down gracefully (a second
 * signal exits at once).
 */
import pino from 'pino';
import { parseCommandLine, type CliOutcome } from './cli';
import { gatewayVersion, startGateway } from './server';

async function main(): Promise<void> {
  let outcome: CliOutcome;
  try {
    outcome = parseCommandLine(process.argv.slice(2), process.env, gatewayVersion());
  } catch (err) {
    process.stderr.write(`bootstrap-gateway: invalid configuration: ${(err as Error).message}\n`);
    process.exit(2);
  }
  if (outcome.kind === 'exit') process.exit(outcome.code);
  const { config } = outcome;
  const logger = pino({ level: config.logLevel, base: { service: 'bootstrap-gateway' } });
  const gateway = await startGateway(config, logger);
  let signals = 0;
  const stop = (signal: NodeJS.Signals): void => {
    signals += 1;
    if (signals > 1) process.exit(1);
    logger.info({ signal }, 'signal received');
    void gateway.close().then(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`bootstrap-gateway: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
