import { OriginChanges } from './origin-changes';

describe('OriginChanges', () => {
  it('wakes the waits of the changed stream only, once', async () => {
    const changes = new OriginChanges();
    const woken: string[] = [];
    const a1 = changes.next('a');
    const a2 = changes.next('a');
    const b = changes.next('b');
    void a1.changed.then(() => woken.push('a1'));
    void a2.changed.then(() => woken.push('a2'));
    void b.changed.then(() => woken.push('b'));
    changes.notify('a');
    changes.notify('a');
    await Promise.resolve();
    expect(woken.sort()).toEqual(['a1', 'a2']);
    b.cancel();
    expect(changes.size).toBe(0);
  });

  it('forgets cancelled waits, so it holds nothing for streams nobody waits on', () => {
    const changes = new OriginChanges();
    for (let i = 0; i < 1000; i++) changes.next(`s${i % 10}`).cancel();
    expect(changes.size).toBe(0);
  });
});
