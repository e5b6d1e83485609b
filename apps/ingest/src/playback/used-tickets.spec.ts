import { UsedTickets } from './used-tickets';

describe('UsedTickets', () => {
  it('accepts a nonce once, and forgets it only after it expired', () => {
    let now = 1_000;
    const used = new UsedTickets(10, () => now);
    expect(used.claim('n1', 31_000)).toBe(true);
    expect(used.claim('n1', 31_000)).toBe(false);
    expect(used.claim('n2', 31_000)).toBe(true);
    now = 30_000;
    expect(used.claim('n1', 31_000)).toBe(false);
    now = 32_000;
    // Expired tickets are refused by their signature check before this; forgetting them keeps the table small.
    expect(used.claim('n3', 62_000)).toBe(true);
    expect(used.claim('n3', 62_000)).toBe(false);
  });

  it('stays bounded under a flood of distinct nonces', () => {
    const used = new UsedTickets(100, () => 0);
    for (let i = 0; i < 1000; i++) used.claim(`n${i}`, 60_000);
    expect(used.claim('n999', 60_000)).toBe(false);
    expect(used.claim('n0', 60_000)).toBe(true);
  });
});
