#!/usr/bin/env node
/* global process, console, Buffer */
// The service of the operating tests: answers `/` with its release and pid, its
// health paths with 200, and every other path with 404 (a readiness path the
// release does not know).
import http from 'node:http';

const release = process.argv[2] ?? 'dev';
const server = http.createServer((req, res) => {
  const send = (status, body) => {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  };
  if (req.url === '/health/live' || req.url === '/health/ready') return send(200, { ok: true });
  if (req.url === '/') return send(200, { release, pid: process.pid });
  return send(404, { error: `no route ${req.url}` });
});
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => console.log(`${release} listening`));
process.on('SIGTERM', () => {
  server.close(() => process.exit(0));
  server.closeIdleConnections();
});
