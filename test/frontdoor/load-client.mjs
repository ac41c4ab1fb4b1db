/* global process, setInterval, clearInterval, setTimeout, Buffer */
// A separate load client: GET and POST in turn at a steady rate against one URL
// until SIGTERM, then one JSON line (and a `snapshot` line on each SIGUSR2): sent, answered, failed (errors and 5xx), the
// longest gap between two answers, and answers by release.
import http from 'node:http';

const [url, rateArg] = process.argv.slice(2);
const rate = Number(rateArg ?? 200);
// fifo: every kept-alive socket is reused within a second, never left idle until the front
// door's keep-alive timeout closes it just as a request leaves on it (a race of HTTP/1.1
// keep-alive with any server, which browsers absorb by retrying)
const agent = new http.Agent({ keepAlive: true, maxSockets: 64, scheduling: 'fifo' });
const stats = { sent: 0, answered: 0, failed: 0, longestGapMs: 0, byRelease: {}, errors: {} };
let lastAnswer = Date.now();
let inFlight = 0;
let stopping = false;

function one(i) {
  const post = i % 2 === 1;
  const body = post ? JSON.stringify({ n: i }) : undefined;
  stats.sent += 1;
  inFlight += 1;
  const req = http.request(
    url,
    {
      method: post ? 'POST' : 'GET',
      agent,
      timeout: 15_000,
      headers: post ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } : {},
    },
    (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (text += c));
      res.on('end', () => {
        inFlight -= 1;
        const now = Date.now();
        if (res.statusCode >= 500) {
          stats.failed += 1;
          stats.errors[res.statusCode] = (stats.errors[res.statusCode] ?? 0) + 1;
          return;
        }
        stats.answered += 1;
        stats.longestGapMs = Math.max(stats.longestGapMs, now - lastAnswer);
        lastAnswer = now;
        try {
          const release = JSON.parse(text).release ?? '?';
          stats.byRelease[release] = (stats.byRelease[release] ?? 0) + 1;
        } catch {
          stats.byRelease['?'] = (stats.byRelease['?'] ?? 0) + 1;
        }
      });
    },
  );
  req.on('timeout', () => req.destroy(new Error('timeout')));
  req.on('error', (error) => {
    inFlight -= 1;
    stats.failed += 1;
    const code = error.code ?? error.message;
    stats.errors[code] = (stats.errors[code] ?? 0) + 1;
  });
  req.end(body);
}

const started = Date.now();
let i = 0;
const timer = setInterval(() => {
  const due = Math.floor(((Date.now() - started) * rate) / 1000);
  while (i < due) one(i++);
}, 5);

process.on('SIGTERM', () => {
  if (stopping) return;
  stopping = true;
  clearInterval(timer);
  const finish = () => {
    process.stdout.write(`${JSON.stringify(stats)}\n`);
    process.exit(0);
  };
  const wait = setInterval(() => {
    if (inFlight <= 0) {
      clearInterval(wait);
      finish();
    }
  }, 20);
  setTimeout(finish, 16_000);
});
// a snapshot of the figures so far, without stopping: a test marks the edges of a window with it
process.on('SIGUSR2', () => process.stdout.write(`snapshot ${JSON.stringify(stats)}\n`));
// a test that failed before stopping it must not leave it running: it ends with its parent
const parent = process.ppid;
setInterval(() => process.ppid !== parent && process.exit(1), 1000).unref();
process.stdout.write('ready\n');
