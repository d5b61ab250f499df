/**
 * Configuration from the environment and raw flag values: text → typed options →
 * {@link resolveGatewayConfig}. No commander here (see cli.ts).
 */
import {
  ConfigError,
  resolveGatewayConfig,
  type GatewayConfig,
  type GatewayOptions,
} from './config';
import { SETTINGS, settingName as name, type Setting } from './settings';

function parseRaw(key: keyof GatewayOptions, raw: string): string | number | readonly string[] {
  const setting = SETTINGS[key];
  switch (setting.kind) {
    case 'int': {
      const trimmed = raw.trim();
      if (!/^\d+$/.test(trimmed))
        throw new ConfigError(name(key), `must be a non-negative integer, got "${raw}"`);
      return Number(trimmed);
    }
    case 'list':
      return raw.split(',');
    case 'string':
    case 'file':
    case 'level':
      return raw.trim();
  }
}

/** The raw text of settings, keyed like {@link GatewayOptions} (from flags or the environment). */
export type RawSettings = Partial<Record<keyof GatewayOptions, string>>;

/**
 * Reads the configuration from environment variables and raw flag values (a flag wins over its
 * variable), then validates it with {@link resolveGatewayConfig}. Throws a {@link ConfigError}
 * naming the environment variable and flag of the first bad value.
 */
export function loadGatewayConfig(env: NodeJS.ProcessEnv, flags: RawSettings = {}): GatewayConfig {
  const options: Record<string, unknown> = {};
  for (const [key, setting] of Object.entries(SETTINGS) as [keyof GatewayOptions, Setting][]) {
    const raw = flags[key] ?? env[setting.env];
    if (raw === undefined || (raw === '' && setting.kind !== 'list')) continue;
    options[key] = parseRaw(key, raw);
  }
  return resolveGatewayConfig(options as GatewayOptions);
}
