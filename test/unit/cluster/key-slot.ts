/**
 * Redis Cluster's key → slot mapping (cluster spec): CRC16-XMODEM of the key, or of the part inside
 * the first non-empty `{…}` (the hash tag), modulo 16384. Written out here so the tests check the
 * keys against the spec, not against the client library that also makes them.
 */
export function keySlot(key: string): number {
  const open = key.indexOf('{');
  if (open !== -1) {
    const close = key.indexOf('}', open + 1);
    if (close > open + 1) key = key.slice(open + 1, close);
  }
  let crc = 0;
  for (const byte of Buffer.from(key, 'utf8')) {
    crc ^= byte << 8;
    for (let bit = 0; bit < 8; bit += 1) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc % 16384;
}
