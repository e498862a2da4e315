// Reads raw audio from stdin at real time (48 kHz S16 mono = 96,000 bytes a
// second) and writes it to the file named in argv[2]. ALSA's null PCM has no
// clock: behind a `file "| …"` PCM this process is what holds the room-audio
// stream to real time in tests (see tests/asoundrc).
import fs from 'node:fs';

const RATE = 96000;
const out = fs.createWriteStream(process.argv[2] || '/dev/null');
const t0 = Date.now();
let total = 0;
process.stdin.on('data', (chunk) => {
  out.write(chunk);
  total += chunk.length;
  const ahead = total / RATE * 1000 - (Date.now() - t0);
  if (ahead > 0) {
    process.stdin.pause();
    setTimeout(() => process.stdin.resume(), ahead);
  }
});
process.stdin.on('end', () => out.end());
