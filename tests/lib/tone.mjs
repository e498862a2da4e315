// Test tones and their detection in raw S16LE mono 48 kHz audio.

export const RATE = 48000;

/** @seconds of a sine at @hz and @dbfs, as raw S16LE mono. */
export function tone(hz, seconds, dbfs = -6) {
  const n = Math.round(RATE * seconds);
  const amp = 32767 * 10 ** (dbfs / 20);
  const buf = Buffer.alloc(n * 2);
  for (let i = 0; i < n; i++) buf.writeInt16LE(Math.round(amp * Math.sin((2 * Math.PI * hz * i) / RATE)), 2 * i);
  return buf;
}

/** Power of @hz in @raw (S16LE mono), by the Goertzel algorithm, normalised
 *  so a full-scale sine gives about 1 (over the last @seconds). */
export function toneLevel(raw, hz, seconds = 1) {
  const total = Math.floor(raw.length / 2);
  const n = Math.min(total, Math.round(RATE * seconds));
  const start = total - n;
  const k = (2 * Math.PI * hz) / RATE;
  const coeff = 2 * Math.cos(k);
  let s1 = 0, s2 = 0;
  for (let i = 0; i < n; i++) {
    const x = raw.readInt16LE(2 * (start + i)) / 32768;
    const s0 = x + coeff * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  const power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
  return n ? (2 * Math.sqrt(power)) / n : 0;
}
