#!/usr/bin/env node
// Draws the app icon (a tombstone on a dark square) into resources/icon.png, dependency-free,
// so the committed icon can be regenerated and reviewed as code.
import { deflateSync } from 'node:zlib';
import { writeFileSync } from 'node:fs';

const size = 512;
const px = Buffer.alloc(size * size * 4);
function set(x, y, [r, g, b, a]) {
  const i = (y * size + x) * 4;
  px[i] = r;
  px[i + 1] = g;
  px[i + 2] = b;
  px[i + 3] = a;
}
for (let y = 0; y < size; y++) {
  for (let x = 0; x < size; x++) {
    const inRound = (() => {
      const r = 96;
      const cx = Math.min(Math.max(x, r), size - 1 - r);
      const cy = Math.min(Math.max(y, r), size - 1 - r);
      return (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
    })();
    if (!inRound) {
      set(x, y, [0, 0, 0, 0]);
      continue;
    }
    // The stone: a rectangle with a semicircular top.
    const stone =
      (x >= 156 && x <= 356 && y >= 200 && y <= 420) || ((x - 256) ** 2 + (y - 200) ** 2 <= 100 ** 2 && y < 200);
    // Three ledger lines engraved on the stone: the audit history it keeps.
    const cross =
      x >= 196 &&
      x <= 316 &&
      [
        [190, 206],
        [240, 256],
        [290, 306],
      ].some(([a, b]) => y >= a && y <= b);
    const ground = y >= 420 && y <= 440 && x >= 110 && x <= 402;
    if (cross && stone) set(x, y, [15, 17, 21, 255]);
    else if (stone) set(x, y, [201, 209, 217, 255]);
    else if (ground) set(x, y, [240, 183, 47, 255]);
    else set(x, y, [23, 26, 33, 255]);
  }
}
const raw = Buffer.alloc(size * (size * 4 + 1));
for (let y = 0; y < size; y++) {
  raw[y * (size * 4 + 1)] = 0;
  px.copy(raw, y * (size * 4 + 1) + 1, y * size * 4, (y + 1) * size * 4);
}
const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
const crc = (buf) => {
  let c = 0xffffffff;
  for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
};
function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type), data]);
  const c = Buffer.alloc(4);
  c.writeUInt32BE(crc(td));
  return Buffer.concat([len, td, c]);
}
const ihdr = Buffer.alloc(13);
ihdr.writeUInt32BE(size, 0);
ihdr.writeUInt32BE(size, 4);
ihdr[8] = 8;
ihdr[9] = 6;
const png = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  chunk('IHDR', ihdr),
  chunk('IDAT', deflateSync(raw, { level: 9 })),
  chunk('IEND', Buffer.alloc(0)),
]);
writeFileSync(new URL('../resources/icon.png', import.meta.url), png);
process.stdout.write(`resources/icon.png ${png.length} bytes\n`);
