/**
 * The container driver's rollbacks on Debian's Docker Engine (dockerd 20.10 with
 * its containerd and runc), started by the harness. An image imported on Docker
 * has no repository digest, so each release records and runs the engine's image id.
 */
import { dockerdAvailable, startDockerd } from '../harness/dockerd.js';
import { describeRollbacks } from './rollback-suite.js';

describeRollbacks({
  engine: 'Docker',
  available: dockerdAvailable(),
  start: startDockerd,
  pinned: /^sha256:[0-9a-f]{64}$/,
  // what differs between engines: pinning by image id, a start by id after the tag moved, Docker's own
  // HEALTHCHECK runs (the podman suite runs every case)
  only: ['error-rate', 'moved-tag', 'unhealthy-image'],
});
