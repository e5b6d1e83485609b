import { freePort, killAllChildren, startApp, waitFor, type AppProcess } from '@mediaplane/testing';
import { ControlPlaneProcess } from './control-plane-process';

interface DeviceView {
  id: string;
  kind: string;
  name: string;
  agent: { id: string };
  present: boolean;
}

/**
 * Two capture agents and the control plane over the real NATS and Redis: both
 * agents' devices are listed, an agent killed without a goodbye is forgotten
 * after its announcement's TTL, one stopping cleanly is forgotten at once.
 */
describe('capture agents announce their devices to the control plane', () => {
  let cp: ControlPlaneProcess;
  const agents: AppProcess[] = [];
  const suffix = Math.random().toString(36).slice(2, 8);
  const ids = [`agent-a-${suffix}`, `agent-b-${suffix}`];

  const devices = async () => (await cp.api<{ devices: DeviceView[] }>('GET', '/api/v1/devices')).body.devices;

  beforeAll(async () => {
    cp = await ControlPlaneProcess.start();
    for (const id of ids) {
      agents.push(
        await startApp('capture-agent', {
          httpPort: await freePort(),
          env: { ...cp.platform.env, MEDIAPLANE_INSTANCE_ID: id, CAPTURE_AGENT_CAMERAS: 'false', CAPTURE_AGENT_DISPLAYS: '', DISPLAY: '' },
        }),
      );
    }
  }, 60_000);

  afterAll(async () => {
    await Promise.all(agents.map((a) => a.stop()));
    await cp?.stop();
    await killAllChildren();
  });

  it('lists the test-pattern device of every agent, with its agent', async () => {
    const listed = await waitFor(
      async () => {
        const list = await devices();
        return list.filter((d) => d.kind === 'test-pattern').length === 2 ? list : undefined;
      },
      { timeoutMs: 15_000, what: "both agents' test patterns" },
    );
    expect(listed.map((d) => [d.id, d.agent.id, d.present]).sort()).toEqual([
      [`test-pattern-${ids[0]}`, ids[0], true],
      [`test-pattern-${ids[1]}`, ids[1], true],
    ]);
  });

  it('refuses bad ids and bodies with a 400 naming the field, and answers 404 for unknown devices', async () => {
    expect((await cp.api('POST', '/api/v1/devices/no.such/capture', { body: {} })).status).toBe(400);
    const bad = await cp.api<{ message: string }>('POST', `/api/v1/devices/test-pattern-${ids[0]}/capture`, { body: { quality: { preset: '4k' } } });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toMatch(/quality/);
    expect((await cp.api('POST', '/api/v1/devices/nope/capture', { body: {} })).status).toBe(404);
    const output = await cp.api<{ message: string }>('POST', `/api/v1/devices/test-pattern-${ids[0]}/capture`, { body: { output: 'hls' } });
    expect(output.status).toBe(400);
    expect(output.body.message).toMatch(/output/);
    const input = await cp.api<{ message: string }>('POST', `/api/v1/devices/test-pattern-${ids[0]}/input`, { body: { type: 'tap', x: 1, y: 1 } });
    expect(input.status).toBe(409);
    expect((await cp.api('GET', '/api/v1/devices', { token: null })).status).toBe(401);
  });

  it('forgets an agent killed without a goodbye once its TTL (three beats) has passed', async () => {
    await (agents[0] as AppProcess).kill();
    const killedAt = Date.now();
    await waitFor(async () => !(await devices()).some((d) => d.agent.id === ids[0]), { timeoutMs: 15_000, what: 'the dead agent forgotten' });
    // The heartbeat is 1 s in tests: the entry lives 3 s, never less than about two beats.
    expect(Date.now() - killedAt).toBeGreaterThan(1500);
    expect((await devices()).some((d) => d.agent.id === ids[1])).toBe(true);
  });

  it('forgets an agent that stops cleanly right away', async () => {
    await (agents[1] as AppProcess).stop();
    await waitFor(async () => (await devices()).length === 0, { timeoutMs: 2500, what: 'the stopped agent forgotten' });
  });
});
