/**
 * GS1 check digit (mod 10): from the rightmost data digit leftwards, weights 3, 1, 3, 1…; the check
 * digit brings the weighted sum up to a multiple of ten. Same rule for GTIN and SSCC.
 */
export function gs1CheckDigit(data: string): number {
  if (!/^\d+$/.test(data)) throw new Error(`GS1 data must be digits: ${JSON.stringify(data)}`);
  let sum = 0;
  for (let i = 0; i < data.length; i++) sum += Number(data[data.length - 1 - i]) * (i % 2 === 0 ? 3 : 1);
  return (10 - (sum % 10)) % 10;
}

/**
 * SSCC-18: extension digit + GS1 company prefix + serial reference (17 digits together) + check
 * digit. The serial is zero-padded to fill what the prefix leaves; a serial too long for the
 * prefix is an error, never truncated (two cartons would share a label).
 */
export function sscc18(companyPrefix: string, serial: string | number, extension = 0): string {
  if (!/^\d{6,12}$/.test(companyPrefix)) throw new Error(`GS1 company prefix must be 6-12 digits: ${JSON.stringify(companyPrefix)}`);
  if (!Number.isInteger(extension) || extension < 0 || extension > 9) throw new Error(`SSCC extension digit must be 0-9: ${extension}`);
  const s = String(serial);
  const room = 16 - companyPrefix.length;
  if (!/^\d+$/.test(s) || s.length > room) throw new Error(`SSCC serial ${JSON.stringify(s)} does not fit the ${room} digits left by prefix ${companyPrefix}`);
  const data = `${extension}${companyPrefix}${s.padStart(room, "0")}`;
  return data + gs1CheckDigit(data);
}

/** True for 18 digits whose last is the right check digit. Accepts the 20-digit "00" + SSCC form. */
export function isValidSscc(value: string): boolean {
  const s = /^00\d{18}$/.test(value) ? value.slice(2) : value;
  return /^\d{18}$/.test(s) && gs1CheckDigit(s.slice(0, 17)) === Number(s[17]);
}
