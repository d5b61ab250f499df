/**
 * Service configuration from one table of settings: each setting's environment variable, flag
 * and kind; the name error messages give it ("ENV_VAR (--flag)"); the checks every service
 * makes; and reading raw text from the environment and flags, a flag winning over its
 * variable. Commander-free: the command line is in settings-command-line.ts.
 */
import { accessSync, constants as fsConstants } from 'node:fs';

/** pino's log level names, most severe first. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** A pino log level name. */
export type LogLevel = (typeof LOG_LEVELS)[number];

/** How a setting's text is parsed: `int` to a number, `list` split on commas, the rest as text. */
export type SettingKind = 'string' | 'int' | 'list' | 'file' | 'level';

/** What every setting has: how it is spelled outside the code. */
interface SettingSpecBase {
  /** Environment variable, e.g. `THREAD_COUNT`. */
  readonly env: string;
  /** Long flag without its dashes, e.g. `thread-count`. */
  readonly flag: string;
  /** One line for --help (with the default). */
  readonly description: string;
  /** Placeholder of the flag's value in --help. Default `<value>`. */
  readonly placeholder?: string;
}

/** An integer setting: digits only, then a safe integer in `[min, max]`. */
export interface IntSettingSpec extends SettingSpecBase {
  readonly kind: 'int';
  /** Smallest accepted value. */
  readonly min: number;
  /** Largest accepted value. */
  readonly max: number;
}

/** A text setting (a string, a file path, a level name): trimmed unless `verbatim`. */
export interface TextSettingSpec extends SettingSpecBase {
  readonly kind: 'string' | 'file' | 'level';
  /** Keep the text exactly as given, surrounding spaces included. Default false (trimmed). */
  readonly verbatim?: boolean;
}

/** A comma-separated list: items kept as written; an empty text is one empty item. */
export interface ListSettingSpec extends SettingSpecBase {
  readonly kind: 'list';
}

/** How one setting is spelled outside the code and how its text is parsed. */
export type SettingSpec = IntSettingSpec | TextSettingSpec | ListSettingSpec;

/** A table of settings by option name. */
export type SettingSpecs = Readonly<Record<string, SettingSpec>>;

/** The option names of a table. */
export type SettingKey<T extends SettingSpecs> = Extract<keyof T, string>;

/** The option names of a table's integer settings. */
export type IntSettingKey<T extends SettingSpecs> = {
  [P in SettingKey<T>]: T[P] extends IntSettingSpec ? P : never;
}[SettingKey<T>];

type KindValue<K extends SettingKind> = K extends 'int'
  ? number
  : K extends 'list'
    ? readonly string[]
    : string;

/** Parsed (not yet validated) values by option name: numbers, lists or text. */
export type SettingValues<T extends SettingSpecs> = {
  -readonly [P in SettingKey<T>]?: KindValue<T[P]['kind']>;
};

/** Raw text of settings by option name, e.g. flag values from the command line. */
export type SettingTexts<T extends SettingSpecs> = Partial<Record<SettingKey<T>, string>>;

/** Where variables are read from: `process.env` or a plain object. */
export type EnvironmentVariables = Readonly<Record<string, string | undefined>>;

/**
 * A bad setting. The message is `<setting>: <detail>`, where `setting` names it (see
 * {@link SettingTable.label}, or e.g. `command line`), or the detail alone without a setting.
 */
export class ConfigError extends Error {
  constructor(
    readonly setting: string | undefined,
    detail: string,
  ) {
    super(setting === undefined ? detail : `${setting}: ${detail}`);
    this.name = 'ConfigError';
  }
}

/** How a table words its messages, so that each service keeps the messages it has always had. */
export interface SettingTableOptions {
  /**
   * How messages show a bad value. `plain` (default): text in double quotes as it is, numbers
   * as they print. `json`: `JSON.stringify` of the value (quotes escaped, NaN as null).
   */
  readonly quote?: 'plain' | 'json';
  /**
   * What a malformed integer text is told. `non-negative` (default): "must be a non-negative
   * integer, got …". `range`: the setting's range, as for an out-of-range number; more than 16
   * digits (past every safe integer) then counts as malformed too.
   */
  readonly malformedInt?: 'non-negative' | 'range';
}

const HOST_PORT = /^(\[[0-9a-fA-F:.]+\]|[^\s:[\]]+):(\d{1,5})$/;

/**
 * A table of settings with the checks and the reader built on it. Every {@link ConfigError} it
 * throws names the setting's environment variable and flag. Checks run in the order they are
 * called; the reader goes through the settings in table order, so the first bad one is reported.
 */
export class SettingTable<T extends SettingSpecs> {
  private readonly quote: 'plain' | 'json';
  private readonly malformedInt: 'non-negative' | 'range';

  constructor(
    /** The settings, in the order they are read, listed and reported. */
    readonly specs: T,
    options: SettingTableOptions = {},
  ) {
    this.quote = options.quote ?? 'plain';
    this.malformedInt = options.malformedInt ?? 'non-negative';
  }

  /** The option names, in table order. */
  keys(): readonly SettingKey<T>[] {
    return Object.keys(this.specs) as SettingKey<T>[];
  }

  /** "ENV_VAR (--flag)": how messages name a setting. */
  label(key: SettingKey<T>): string {
    const spec = this.specs[key];
    return `${spec.env} (--${spec.flag})`;
  }

  /** A {@link ConfigError} naming `key`'s environment variable and flag. */
  error(key: SettingKey<T>, detail: string): ConfigError {
    return new ConfigError(this.label(key), detail);
  }

  /** `value ?? fallback`, which must be a safe integer in the setting's range. */
  int(key: IntSettingKey<T>, value: number | undefined, fallback: number): number {
    const v = value ?? fallback;
    const { min, max } = this.specs[key] as IntSettingSpec;
    if (!Number.isSafeInteger(v) || v < min || v > max) throw this.outOfRange(key, v, false);
    return v;
  }

  /** `value`, which must be non-empty and without white space; `expected` ends "must be …". */
  token(key: SettingKey<T>, value: string, expected = 'a non-empty string without spaces'): string {
    if (value.length === 0 || /\s/.test(value)) {
      throw this.error(key, `must be ${expected}, got ${this.show(value, true)}`);
    }
    return value;
  }

  /**
   * `value`, which must be host:port: a name, an IPv4 or a bracketed IPv6 address, and a port
   * up to 65535. `expected` ends "must look like …".
   */
  hostPort(key: SettingKey<T>, value: string, expected = 'host:port (IPv6 in brackets)'): string {
    const match = HOST_PORT.exec(value);
    if (match === null || Number(match[2]) > 65535) {
      throw this.error(key, `must look like ${expected}, got ${this.show(value, true)}`);
    }
    return value;
  }

  /** `value`, which must be one of `allowed` (e.g. {@link LOG_LEVELS}). */
  oneOf<V extends string>(key: SettingKey<T>, value: string, allowed: readonly V[]): V {
    if (!(allowed as readonly string[]).includes(value)) {
      throw this.error(key, `must be one of ${allowed.join(', ')}, got ${this.show(value, true)}`);
    }
    return value as V;
  }

  /** Undefined when unset (undefined or empty), else `file`, which this process must be able to read. */
  readableFile(key: SettingKey<T>, file: string | undefined): string | undefined {
    if (file === undefined || file === '') return undefined;
    try {
      accessSync(file, fsConstants.R_OK);
    } catch {
      throw this.error(key, `cannot read file ${file}`);
    }
    return file;
  }

  /**
   * Parses raw texts by kind (ranges and other checks are left to the caller). An empty text
   * counts as unset, except for a list. Throws a {@link ConfigError} on a malformed integer.
   */
  parse(texts: SettingTexts<T>): SettingValues<T> {
    const values: Partial<Record<SettingKey<T>, string | number | readonly string[]>> = {};
    for (const key of this.keys()) {
      const text = texts[key];
      const spec = this.specs[key];
      if (text === undefined || (text === '' && spec.kind !== 'list')) continue;
      switch (spec.kind) {
        case 'int':
          values[key] = this.parseInt(key, spec, text);
          break;
        case 'list':
          values[key] = text.split(',');
          break;
        default:
          values[key] = spec.verbatim === true ? text : text.trim();
      }
    }
    return values as SettingValues<T>;
  }

  /**
   * Reads every setting from its flag's text in `flags`, else from its environment variable,
   * and parses it (see {@link parse}). A flag given, even empty, hides the variable.
   */
  read(env: EnvironmentVariables, flags: SettingTexts<T> = {}): SettingValues<T> {
    const texts: SettingTexts<T> = {};
    for (const key of this.keys()) {
      const text = flags[key] ?? env[this.specs[key].env];
      if (text !== undefined) texts[key] = text;
    }
    return this.parse(texts);
  }

  private parseInt(key: SettingKey<T>, spec: IntSettingSpec, text: string): number {
    const digits = text.trim();
    if (this.malformedInt === 'range') {
      if (!/^\d{1,16}$/.test(digits)) throw this.outOfRange(key, text, true);
    } else if (!/^\d+$/.test(digits)) {
      throw this.error(key, `must be a non-negative integer, got ${this.show(text, true)}`);
    }
    return Number(digits);
  }

  private outOfRange(key: SettingKey<T>, value: unknown, quoted: boolean): ConfigError {
    const { min, max } = this.specs[key] as IntSettingSpec;
    return this.error(
      key,
      `must be an integer in [${min}, ${max}], got ${this.show(value, quoted)}`,
    );
  }

  /** A value as messages show it: `quoted` for text the user typed (plain style). */
  private show(value: unknown, quoted: boolean): string {
    if (this.quote === 'json') return String(JSON.stringify(value));
    return quoted ? `"${String(value)}"` : String(value);
  }
}
