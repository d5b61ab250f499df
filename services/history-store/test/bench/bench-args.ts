/** Command-line arguments of the local measurement scripts in this folder. */

/** `--name=value` gives 'value', `--name` gives '', absent gives undefined. */
export function flag(name: string): string | undefined {
  for (const arg of process.argv.slice(2)) {
    if (arg === `--${name}`) return '';
    if (arg.startsWith(`--${name}=`)) return arg.slice(name.length + 3);
  }
  return undefined;
}

/** The arguments that are not flags, in order. */
export const positional: readonly string[] = process.argv
  .slice(2)
  .filter((a) => !a.startsWith('--'));
