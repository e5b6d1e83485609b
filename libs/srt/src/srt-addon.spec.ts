import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findSrtAddon, SRT_ADDON_ENV, srtAddonMissingMessage } from './srt-addon';
import { SrtServer } from './srt-server';

describe('findSrtAddon', () => {
  const root = mkdtempSync(join(tmpdir(), 'srt-addon-'));
  const release = join(root, 'libs', 'srt', 'native', 'build', 'Release');
  mkdirSync(release, { recursive: true });
  writeFileSync(join(release, 'mediaplane_srt.node'), '');
  const deep = join(root, 'dist', 'deploy', 'ingest');
  mkdirSync(deep, { recursive: true });

  it('walks up from a bundle or dist folder to the repository root', () => {
    expect(findSrtAddon(deep, {})).toBe(join(release, 'mediaplane_srt.node'));
  });

  it('uses MEDIAPLANE_SRT_ADDON when set, and reports it missing when it does not exist', () => {
    const file = join(root, 'elsewhere.node');
    writeFileSync(file, '');
    expect(findSrtAddon(deep, { [SRT_ADDON_ENV]: file })).toBe(file);
    expect(findSrtAddon(deep, { [SRT_ADDON_ENV]: join(root, 'missing.node') })).toBeUndefined();
  });

  it('finds nothing outside a tree that has the addon', () => {
    expect(findSrtAddon(mkdtempSync(join(tmpdir(), 'no-addon-')), {})).toBeUndefined();
  });

  it('says how to build the addon when it is missing', () => {
    expect(srtAddonMissingMessage({})).toMatch(/ensure_srt_addon/);
    expect(srtAddonMissingMessage({})).toMatch(/libsrt-openssl-dev/);
  });
});

describe('SrtServer.listen', () => {
  it('rejects invalid options naming the field, before touching the addon', async () => {
    await expect(
      SrtServer.listen({ host: '127.0.0.1', port: 70000, latencyMs: 120, decisionTimeoutMs: 500, maxConnections: 10 }, async () => ({ accept: true })),
    ).rejects.toThrow(/port/);
  });
});
