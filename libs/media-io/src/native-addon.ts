import { existsSync, readdirSync } from 'node:fs';
import { dirname, join, parse, resolve } from 'node:path';

/** Where a library's compiled addon lives and how to point at another build. */
export interface NativeAddonLocation {
  /** Its build directory relative to the repository (or image) root, e.g. libs/srt/native/build/Release. */
  relativeDir: readonly string[];
  /** The module's file name; another .node in that directory is taken when it is missing. */
  file: string;
  /** Environment variable naming the .node file to load instead of searching for it. */
  envVar: string;
}

/**
 * Where a compiled addon is: $envVar, else the first `relativeDir` holding a
 * .node found walking up from `from` (the library's source, its compiled
 * copy in dist/, or an app bundle) to the filesystem root.
 */
export function findNativeAddon(location: NativeAddonLocation, from: string = __dirname, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const override = env[location.envVar];
  if (override) return existsSync(override) ? resolve(override) : undefined;
  let dir = resolve(from);
  const { root } = parse(dir);
  for (;;) {
    const candidate = join(dir, ...location.relativeDir);
    if (existsSync(candidate)) {
      const files = readdirSync(candidate).filter((name) => name.endsWith('.node'));
      const file = files.includes(location.file) ? location.file : files[0];
      if (file) return join(candidate, file);
    }
    if (dir === root) return undefined;
    dir = dirname(dir);
  }
}
