/**
 * The container driver's rollbacks on Debian's podman (runc) serving the Docker
 * Engine API, started by the harness: every case of the suite. Podman gives an
 * imported image a repository digest, which each release records.
 */
import { podmanAvailable, startPodman } from '../harness/podman.js';
import { describeRollbacks } from './rollback-suite.js';

describeRollbacks({
  engine: 'podman',
  available: podmanAvailable(),
  start: startPodman,
  pinned: /^localhost\/app@sha256:[0-9a-f]{64}$/,
});
