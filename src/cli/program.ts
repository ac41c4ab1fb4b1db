import { Command } from 'commander';
import { REWIND_VERSION } from '../core/version.js';
import { register as registerApprove } from './commands/approve.js';
import { register as registerPolicy } from './commands/policy.js';
import { register as registerConfig } from './commands/config-commands.js';
import { register as registerDemo } from './commands/demo.js';
import { register as registerDeploy } from './commands/deploy.js';
import { register as registerDrill } from './commands/drill.js';
import { register as registerInspect } from './commands/inspect.js';
import { register as registerReport } from './commands/report.js';
import { register as registerServe } from './commands/serve.js';
import { register as registerUndo } from './commands/undo.js';
import { register as registerToken } from './commands/token.js';
import { register as registerAudit } from './commands/audit.js';
import { register as registerDb } from './commands/db.js';
import { register as registerStore } from './commands/store.js';
import { register as registerFlag } from './commands/flag.js';
import { register as registerConfigDiff } from './commands/config-diff.js';
import { register as registerServiceOps } from './commands/service-ops.js';
import { register as registerAdopt } from './commands/adopt.js';
import { register as registerCompletion } from './commands/completion.js';
import { register as registerReload } from './commands/reload.js';
import { register as registerFailover } from './commands/failover.js';
import { register as registerGate } from './commands/gate.js';
import { register as registerFreeze } from './commands/freeze.js';
import { register as registerStats } from './commands/stats.js';

/**
 * Every command and flag of `rewind`, built without parsing anything: the entry
 * point parses with it, and the CLI reference and shell completion read it.
 */
export function buildProgram(): Command {
  const program = new Command('rewind')
    .description(
      'Rollback runbooks as software: watch releases, decide by policy, roll back with a journaled plan, report.',
    )
    .version(REWIND_VERSION)
    .showHelpAfterError()
    .exitOverride((error) => {
      // usage mistakes exit 2 (CLI contract); help and version exit 0
      process.exit(error.exitCode === 0 ? 0 : 2);
    });

  for (const register of [
    registerConfig,
    registerServe,
    registerDeploy,
    registerUndo,
    registerInspect,
    registerApprove,
    registerPolicy,
    registerReport,
    registerDrill,
    registerDemo,
    registerToken,
    registerAudit,
  ])
    register(program);

  registerDb(program);
  registerStore(program);
  registerFlag(program);
  registerConfigDiff(program);
  registerServiceOps(program);
  registerAdopt(program);
  registerReload(program);
  registerFailover(program);
  registerGate(program);
  registerFreeze(program);
  registerStats(program);
  registerCompletion(program);
  return program;
}
