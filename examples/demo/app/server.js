#!/usr/bin/env node
/* global process, console, setTimeout, Buffer, URL */
// Rewind's bundled sample service (issue 3 §4): dependency-free, one file, used by
// the tests and by `rewind demo`. It answers on process.env.PORT and can be told
// to misbehave in the ways the runbooks roll back for.
//
//   node server.js --release v2 [--fault error-rate|latency|crash|unhealthy|never-ready]
//
// Environment: PORT (default 0 = any), HOST (default 127.0.0.1), FAULT (same as
// --fault), FAULT_LATENCY_MS (default 1500), FAULT_AFTER_MS (default 1500),
// FAULT_ERROR_RATE (default 0.5), IGNORE_SIGTERM=1 (for stop tests),
// SPAWN_CHILD=1 (starts a helper child in the same process group, for stop tests).
import http from 'node:http';
import { spawn } from 'node:child_process';

const FAULTS = ['error-rate', 'latency', 'crash', 'unhealthy', 'never-ready'];

function argValue(name) {
  const index = process.argv.indexOf(`--${name}`);
  if (index !== -1) return process.argv[index + 1];
  const inline = process.argv.find((arg) => arg.startsWith(`--${name}=`));
  return inline === undefined ? undefined : inline.slice(name.length + 3);
}

function numberEnv(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) {
    console.error(`${name} must be a non-negative number, got ${JSON.stringify(raw)}`);
    process.exit(2);
  }
  return value;
}

const release = argValue('release') ?? process.env.APP_VERSION ?? 'dev';
const fault = argValue('fault') ?? process.env.FAULT ?? '';
if (fault !== '' && fault !== 'none' && !FAULTS.includes(fault)) {
  console.error(`unknown fault ${JSON.stringify(fault)}; expected one of ${FAULTS.join(', ')}`);
  process.exit(2);
}
const latencyMs = numberEnv('FAULT_LATENCY_MS', 1500);
const faultAfterMs = numberEnv('FAULT_AFTER_MS', 1500);
const errorRate = numberEnv('FAULT_ERROR_RATE', 0.5);
const port = numberEnv('PORT', 0);
const host = process.env.HOST || '127.0.0.1';
const startedAt = Date.now();
let stopping = false;
let childPid = null;

if (process.env.SPAWN_CHILD === '1') {
  // A grandchild that also ignores SIGTERM: only killing the whole group stops it.
  const child = spawn(process.execPath, ['-e', "process.on('SIGTERM',()=>{});setInterval(()=>{},1000)"], { stdio: 'ignore' });
  childPid = child.pid ?? null;
}

const faultActive = () => Date.now() - startedAt >= faultAfterMs;

function send(res, status, body) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function health(res, ok, what) {
  send(res, ok ? 200 : 503, { status: ok ? 'ok' : 'failing', check: what, release });
}

const server = http.createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://localhost');
  switch (url.pathname) {
    case '/health/live':
      return health(res, !(fault === 'unhealthy' && faultActive()), 'live');
    case '/health/ready':
      if (stopping) return health(res, false, 'ready');
      if (fault === 'never-ready') return health(res, false, 'ready');
      return health(res, !(fault === 'unhealthy' && faultActive()), 'ready');
    case '/slow': {
      const ms = Math.min(Number(url.searchParams.get('ms') ?? 1000) || 0, 600_000);
      setTimeout(() => send(res, 200, { release, pid: process.pid, sleptMs: ms }), ms);
      return;
    }
    case '/':
      if (fault === 'error-rate' && Math.random() < errorRate) {
        return send(res, 500, { release, pid: process.pid, error: 'injected fault: error-rate' });
      }
      if (fault === 'latency') {
        setTimeout(() => send(res, 200, { release, pid: process.pid, childPid }), latencyMs);
        return;
      }
      return send(res, 200, { release, pid: process.pid, childPid });
    default:
      return send(res, 404, { error: 'not found', path: url.pathname });
  }
});

server.listen(port, host, () => {
  const address = server.address();
  const bound = typeof address === 'object' && address ? address.port : port;
  console.log(`release ${release} pid ${process.pid} listening on ${host}:${bound}${fault ? ` fault=${fault}` : ''}`);
});

if (fault === 'crash') {
  setTimeout(() => {
    console.error(`injected fault: crash after ${faultAfterMs}ms`);
    process.exit(1);
  }, faultAfterMs);
}

process.on('SIGTERM', () => {
  if (process.env.IGNORE_SIGTERM === '1') {
    console.log('SIGTERM received and ignored (IGNORE_SIGTERM=1)');
    return;
  }
  if (stopping) return;
  stopping = true;
  console.log('SIGTERM received: finishing in-flight requests');
  // Stop accepting, let in-flight requests finish, then exit (graceful shutdown).
  server.close(() => {
    console.log('stopped');
    process.exit(0);
  });
  server.closeIdleConnections();
});
