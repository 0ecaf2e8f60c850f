/**
 * A dynamic route segment as typed: Next hands some segments over still percent-encoded
 * (order numbers carry "#" and "/"), and decoding twice must not throw on a literal "%".
 */
export function decodeParam(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
