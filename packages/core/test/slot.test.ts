import {
  addSlots,
  compareSlots,
  DEFAULT_THREAD_COUNT,
  formatSlot,
  MAX_PERIOD,
  maxSlot,
  nextSlot,
  parseSlot,
  previousSlot,
  slotDistance,
  slotEquals,
  slotProblem,
  type Slot,
} from '../src/index';

const T = DEFAULT_THREAD_COUNT;
const s = (period: number, thread: number): Slot => ({ period, thread });

describe('slot order and arithmetic (thread_count 32)', () => {
  it('has Massa thread count by default', () => {
    expect(T).toBe(32);
  });

  it('moves to the next slot within a period and across the period boundary', () => {
    expect(nextSlot(s(5, 0), T)).toEqual(s(5, 1));
    expect(nextSlot(s(5, 30), T)).toEqual(s(5, 31));
    expect(nextSlot(s(5, 31), T)).toEqual(s(6, 0));
    expect(nextSlot(s(0, 0), 1)).toEqual(s(1, 0));
  });

  it('moves to the previous slot across the period boundary, and stops at (0, 0)', () => {
    expect(previousSlot(s(6, 0), T)).toEqual(s(5, 31));
    expect(previousSlot(s(6, 1), T)).toEqual(s(6, 0));
    expect(previousSlot(s(0, 1), T)).toEqual(s(0, 0));
    expect(previousSlot(s(0, 0), T)).toBeUndefined();
  });

  it('next and previous are inverses over a long walk', () => {
    let slot = s(0, 0);
    for (let i = 0; i < 200; i++) {
      const next = nextSlot(slot, T);
      expect(previousSlot(next, T)).toEqual(slot);
      expect(slotDistance(slot, next, T)).toBe(1);
      slot = next;
    }
    expect(slot).toEqual(s(6, 8));
    expect(addSlots(s(0, 0), 200, T)).toEqual(slot);
  });

  it('counts and adds slots across periods, including backwards', () => {
    expect(slotDistance(s(1, 31), s(3, 2), T)).toBe(35);
    expect(slotDistance(s(3, 2), s(1, 31), T)).toBe(-35);
    expect(addSlots(s(1, 31), 35, T)).toEqual(s(3, 2));
    expect(addSlots(s(3, 2), -35, T)).toEqual(s(1, 31));
    expect(addSlots(s(0, 5), -6, T)).toBeUndefined();
    expect(addSlots(s(0, 5), -5, T)).toEqual(s(0, 0));
  });

  it('orders by period, then thread', () => {
    expect(compareSlots(s(1, 31), s(2, 0))).toBeLessThan(0);
    expect(compareSlots(s(2, 0), s(1, 31))).toBeGreaterThan(0);
    expect(compareSlots(s(2, 3), s(2, 4))).toBeLessThan(0);
    expect(compareSlots(s(2, 3), s(2, 3))).toBe(0);
    const sorted = [s(2, 0), s(0, 31), s(1, 5), s(0, 0), s(1, 4)].sort(compareSlots);
    expect(sorted.map(formatSlot)).toEqual(['0:0', '0:31', '1:4', '1:5', '2:0']);
    expect(slotEquals(s(3, 4), { period: 3, thread: 4 })).toBe(true);
    expect(slotEquals(s(3, 4), s(4, 3))).toBe(false);
    expect(maxSlot(s(1, 31), s(2, 0))).toEqual(s(2, 0));
    expect(maxSlot(s(2, 1), s(2, 0))).toEqual(s(2, 1));
  });
});

describe('slot text form', () => {
  it('formats as "period:thread" and "-" for none', () => {
    expect(formatSlot(s(1200, 31))).toBe('1200:31');
    expect(formatSlot(undefined)).toBe('-');
  });

  it('parses what it formats', () => {
    for (const slot of [s(0, 0), s(1200, 31), s(MAX_PERIOD, 5)]) {
      expect(parseSlot(formatSlot(slot), T)).toEqual(slot);
    }
    expect(parseSlot(' 7:3 ', T)).toEqual(s(7, 3));
  });

  it.each(['', '1', '1:', ':1', '1:2:3', '-1:0', '1.5:0', 'a:b', '1 :2'])(
    'rejects the malformed "%s"',
    (text) => {
      expect(() => parseSlot(text, T)).toThrow(RangeError);
    },
  );

  it('rejects a thread >= thread_count and a period above 2^53 - 1, naming the problem', () => {
    expect(() => parseSlot('1:32', T)).toThrow(/thread must be an integer in \[0, 32\)/);
    expect(parseSlot('1:31', T)).toEqual(s(1, 31));
    expect(() => parseSlot('9007199254740992:0', T)).toThrow(/period/);
  });
});

describe('slotProblem', () => {
  it('accepts valid slots', () => {
    expect(slotProblem(s(0, 0), T)).toBeUndefined();
    expect(slotProblem(s(MAX_PERIOD, 31), T)).toBeUndefined();
  });

  it('names the period or the thread', () => {
    expect(slotProblem(s(-1, 0), T)).toMatch(/^period/);
    expect(slotProblem(s(0.5, 0), T)).toMatch(/^period/);
    expect(slotProblem(s(MAX_PERIOD + 1, 0), T)).toMatch(/^period/);
    expect(slotProblem(s(0, 32), T)).toMatch(/^thread/);
    expect(slotProblem(s(0, -1), T)).toMatch(/^thread/);
    expect(slotProblem(s(0, 1.5), T)).toMatch(/^thread/);
    expect(slotProblem(s(0, 1), 1)).toMatch(/^thread/);
  });
});
