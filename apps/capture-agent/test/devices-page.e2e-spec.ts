import type { Browser, Page } from 'playwright-core';
import { freePort, killAllChildren, launchChromium, startApp, testLogDir, type AppProcess } from '@mediaplane/testing';
import { join } from 'node:path';
import { ControlPlaneProcess } from './control-plane-process';

/**
 * The dashboard's devices page in headless Chromium against a real control
 * plane and capture agent: the agent's test-pattern device is listed, a
 * capture starts from the page with the chosen quality and its state shows,
 * and it stops from the page. (No ingest here: the capture keeps reconnecting,
 * which is the state the page must show; playback is the capture e2e's job.)
 */
describe('the dashboard devices page (real control plane and agent, Chromium)', () => {
  let cp: ControlPlaneProcess;
  let agent: AppProcess;
  let browser: Browser;
  let page: Page;
  const agentId = `agent-page-${Math.random().toString(36).slice(2, 8)}`;
  const tpId = `test-pattern-${agentId}`;

  beforeAll(async () => {
    const chromium = launchChromium();
    cp = await ControlPlaneProcess.start({ MEDIAPLANE_PUBLIC_RTMP_URL: `rtmp://127.0.0.1:${await freePort()}/live` });
    agent = await startApp('capture-agent', {
      httpPort: await freePort(),
      env: { ...cp.platform.env, MEDIAPLANE_INSTANCE_ID: agentId, CAPTURE_AGENT_CAMERAS: 'false', CAPTURE_AGENT_DISPLAYS: '', DISPLAY: '' },
    });
    browser = await chromium;
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await agent?.stop();
    await cp?.stop();
    await killAllChildren();
  });

  it('lists the test-pattern device, starts and stops its capture', async () => {
    await page.goto(cp.url);
    await page.getByTestId('admin-token').fill(cp.platform.adminToken);
    await page.getByTestId('sign-in').click();
    await page.getByTestId('nav-devices').click();
    const row = page.locator(`[data-testid="device-row"][data-device-id="${tpId}"]`);
    await row.waitFor({ timeout: 15_000 });
    expect(await row.getAttribute('data-kind')).toBe('test-pattern');
    expect(await row.getByTestId('device-state').textContent()).toBe('idle');

    await page.getByTestId('capture-quality').selectOption('360p');
    await row.getByTestId('capture-start').click();
    await page.getByTestId('capture-message').getByText('started').waitFor({ timeout: 15_000 });
    await row
      .getByTestId('device-state')
      .getByText(/^(starting|reconnecting|live) · RTMP 640×360$/)
      .waitFor({ timeout: 15_000 });
    expect(await row.getByTestId('device-preview').getAttribute('href')).toMatch(/^#\/streams\/[A-Za-z0-9_-]+$/);
    await page.screenshot({ path: join(testLogDir(), 'devices-page.png'), fullPage: true });

    await row.getByTestId('capture-stop').click();
    await row.getByTestId('device-state').getByText('idle').waitFor({ timeout: 15_000 });
  }, 60_000);
});
