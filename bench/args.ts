/** The bench scripts' command line: `--name value` options and `--name` flags. */
const args = process.argv.slice(2);

/** The value after `--name`, or `undefined` when it is not given. */
export function option(name: string): string | undefined {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? args[at + 1] : undefined;
}

/** `--name` as a number, or `fallback` when it is not given. */
export function numberOption(name: string, fallback: number): number {
  const value = option(name);
  return value === undefined ? fallback : Number(value);
}

/** Whether the flag `--name` is given. */
export function flag(name: string): boolean {
  return args.includes(`--${name}`);
}
