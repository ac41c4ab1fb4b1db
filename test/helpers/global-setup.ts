import { existsSync } from 'node:fs';
import { killGroup, sampleAppProcesses } from './leftovers.js';

/** After the whole run: no sample-app instance of this checkout may outlive the tests. */
export default function setup(): () => void {
  return () => {
    if (!existsSync('/proc')) return;
    const left = sampleAppProcesses();
    if (left.length > 0) console.warn(`stopping ${left.length} sample-app process(es) left by tests`);
    for (const pid of left) killGroup(pid);
  };
}
