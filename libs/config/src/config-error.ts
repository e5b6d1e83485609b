/** Thrown when the environment does not satisfy an app's schema; names every bad variable. */
export class ConfigError extends Error {
  constructor(public readonly problems: ReadonlyArray<{ variable: string; message: string }>) {
    super(`invalid configuration: ${problems.map((p) => `${p.variable}: ${p.message}`).join('; ')}`);
    this.name = 'ConfigError';
  }
}
