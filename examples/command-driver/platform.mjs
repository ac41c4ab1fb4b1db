#!/usr/bin/env node
// A tiny stand-in "platform" for the command driver example: it keeps which
// releases run and their traffic weights in a JSON file. Real teams point the
// command driver at their own scripts (kubectl, nomad, ssh, a cloud CLI).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

const [op, service, env, version, revision, weight] = process.argv.slice(2);
const file = process.env.PLATFORM_STATE ?? 'platform-state.json';
const state = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : { releases: {} };
const key = `${service}/${env}`;
state.releases[key] ??= {};
const releases = state.releases[key];

switch (op) {
  case 'start':
    releases[revision] = { version, weight: releases[revision]?.weight ?? 0, running: true };
    console.log(`started ${service} ${version} (r${revision})`);
    break;
  case 'shift':
    if (!releases[revision]?.running) {
      console.error(`r${revision} is not running`);
      process.exit(1);
    }
    releases[revision].weight = Number(weight);
    console.log(`r${revision} now gets ${weight}% of ${service}`);
    break;
  case 'retire':
    if (releases[revision]) releases[revision] = { ...releases[revision], running: false, weight: 0 };
    console.log(`retired r${revision}`);
    break;
  case 'describe':
    console.log(
      JSON.stringify({
        releases: Object.entries(releases)
          .filter(([, r]) => r.running)
          .map(([rev, r]) => ({ revision: Number(rev), version: r.version, weight: r.weight, healthy: !String(r.version).includes('broken') })),
      }),
    );
    process.exit(0);
    break;
  default:
    console.error(`unknown operation ${op}`);
    process.exit(2);
}
writeFileSync(file, JSON.stringify(state, null, 2));
