/**
 * Where outbound control numbers come from. The pipeline backs this with a gap-free database
 * sequence per partner and kind (the sequences table): partners check that our ISA13/GS06/ST02
 * only ever go up by one, and a reused ISA13 is dropped as a duplicate interchange.
 */
export interface ControlNumberAllocator {
  /** The next number for this partner and envelope level; never repeats, never skips. */
  nextControlNumber(partnerId: string, kind: ControlNumberKind): Promise<number>;
}

export type ControlNumberKind = "isa" | "gs" | "st";

/** For tests and the sandbox: one counter per (partner, kind), starting at `start`. */
export class InMemoryControlNumbers implements ControlNumberAllocator {
  private readonly counters = new Map<string, number>();
  /** Every number handed out, in order, so tests can prove there are no gaps. */
  readonly issued: { partnerId: string; kind: ControlNumberKind; value: number }[] = [];

  constructor(private readonly start = 1) {}

  async nextControlNumber(partnerId: string, kind: ControlNumberKind): Promise<number> {
    const key = `${partnerId}\u001f${kind}`;
    const value = (this.counters.get(key) ?? this.start - 1) + 1;
    this.counters.set(key, value);
    this.issued.push({ partnerId, kind, value });
    return value;
  }
}

/** Adapts a named gap-free counter (DeliveryContext.nextSequence) to the allocator. */
export function allocatorFromSequence(next: (name: string) => Promise<number>): ControlNumberAllocator {
  return { nextControlNumber: (partnerId, kind) => next(`edi-x12:${partnerId}:${kind}`) };
}

const MAX = 999_999_999;

/** ISA13 and GS06 hold at most nine digits: the counter wraps to 1 rather than overflowing. */
export function wrapControlNumber(n: number): number {
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`control number allocator returned ${n}; expected a positive integer`);
  return ((n - 1) % MAX) + 1;
}

/** ISA13: exactly nine digits. */
export const formatIsa13 = (n: number) => String(wrapControlNumber(n)).padStart(9, "0");
/** GS06: one to nine digits, unpadded. */
export const formatGs06 = (n: number) => String(wrapControlNumber(n));
/** ST02: four to nine characters. */
export const formatSt02 = (n: number) => String(wrapControlNumber(n)).padStart(4, "0");
