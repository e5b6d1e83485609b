import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import type { DeviceInfo } from '../devices/device-source';
import { CameraSource } from './camera.source';

/**
 * Camera discovery against a fake sysfs and /dev (this machine has no V4L2 device and no kernel modules to make one;
 * capturing from a real camera is not tested here).
 */
describe('CameraSource discovery', () => {
  let root: string;
  let sys: string;
  let dev: string;
  let cards: string;
  const logger = pino({ level: 'silent' });

  /** A V4L2 node as the kernel lists it: sysfs entry with name and index, and its device node. */
  function plugNode(entry: string, name: string, index: number, withNode = true): void {
    mkdirSync(join(sys, entry), { recursive: true });
    writeFileSync(join(sys, entry, 'name'), `${name}\n`);
    writeFileSync(join(sys, entry, 'index'), `${index}\n`);
    if (withNode) writeFileSync(join(dev, entry), '');
  }

  function source(alsaDevice = 'default'): CameraSource {
    return new CameraSource({ agentId: 'agent one', v4l2Dir: sys, devDir: dev, alsaCards: cards, alsaDevice, intervalMs: 60_000 }, logger);
  }

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'camera-source-'));
    sys = join(root, 'video4linux');
    dev = join(root, 'dev');
    cards = join(root, 'cards');
    mkdirSync(sys);
    mkdirSync(dev);
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it("lists each camera's capture node (index 0) with its driver name, not its metadata nodes or nodes without /dev", async () => {
    plugNode('video0', 'HD Pro Webcam C920', 0);
    plugNode('video1', 'HD Pro Webcam C920', 1); // the same camera's metadata node
    plugNode('video2', 'USB Capture HDMI', 0);
    plugNode('video3', 'Gone Cam', 0, false); // sysfs lags behind a pulled cable
    const cameras = source();
    await cameras.start();
    expect(cameras.list()).toEqual([
      { id: 'camera-agent-one-video0', kind: 'camera', name: 'HD Pro Webcam C920', capabilities: { input: false, audio: false } },
      { id: 'camera-agent-one-video2', kind: 'camera', name: 'USB Capture HDMI', capabilities: { input: false, audio: false } },
    ]);
    await cameras.stop();
  });

  it('gives cameras ALSA audio when the machine has a sound card, and none when no ALSA device is configured', async () => {
    plugNode('video0', 'Cam', 0);
    writeFileSync(cards, ' 0 [C920           ]: USB-Audio - HD Pro Webcam C920\n');
    const withCard = source();
    await withCard.start();
    expect(withCard.list()[0]?.capabilities).toEqual({ input: false, audio: true });
    await withCard.stop();
    const muted = source('');
    await muted.start();
    expect(muted.list()[0]?.capabilities).toEqual({ input: false, audio: false });
    await muted.stop();
  });

  it('follows hot-plug, ends the feed of a camera that went, and captures with v4l2 (and ALSA) inputs', async () => {
    writeFileSync(cards, ' 0 [PCH            ]: HDA-Intel - HDA Intel PCH\n');
    const cameras = source('hw:0');
    const added: DeviceInfo[] = [];
    const removed: string[] = [];
    cameras.on('added', (d) => added.push(d));
    cameras.on('removed', (id) => removed.push(id));
    await cameras.start();
    expect(cameras.list()).toEqual([]);
    plugNode('video4', 'Capture Card', 0);
    await cameras.poll();
    expect(added.map((d) => d.id)).toEqual(['camera-agent-one-video4']);
    const quality = { width: 1280, height: 720, fps: 30, bitrateKbps: 2500 };
    const feed = await cameras.openCapture('camera-agent-one-video4', quality);
    expect(feed.inputArgs).toEqual([
      ...['-f', 'v4l2', '-framerate', '30', '-video_size', '1280x720', '-thread_queue_size', '512', '-i', join(dev, 'video4')],
      ...['-f', 'alsa', '-thread_queue_size', '512', '-i', 'hw:0'],
    ]);
    const ended = new Promise<string>((resolve) => feed.on('ended', resolve));
    rmSync(join(dev, 'video4'));
    await cameras.poll();
    await expect(ended).resolves.toBe('device gone');
    expect(removed).toEqual(['camera-agent-one-video4']);
    await expect(cameras.openCapture('camera-agent-one-video4', quality)).rejects.toThrow(/not present/);
    await cameras.stop();
  });
});
