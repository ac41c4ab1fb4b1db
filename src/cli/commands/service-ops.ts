import type { Command } from 'commander';
import type { ServiceOpResult } from '../../app/ops/restart.js';
import { ExitCode } from '../../core/errors.js';
import { action } from '../action.js';
import type { GlobalOptions } from '../options.js';
import { withGlobalOptions } from '../options.js';
import { color, printJson, say } from '../output.js';
import { connectOps } from './ops-connect.js';

export interface ServiceOpOptions extends GlobalOptions {
  reason?: string;
}

/** `rewind restart|stop|start <service>`: failed-rollback recovery by hand, audited. */
export function serviceOp(which: 'restart' | 'stop' | 'start') {
  return async (options: ServiceOpOptions, service: string): Promise<number> => {
    const connection = await connectOps(options);
    try {
      if (!options.json) say(color.dim(`${which === 'stop' ? 'stopping' : `${which}ing`} ${service}…`));
      const result: ServiceOpResult = await connection.api[which]({
        service,
        ...(options.env ? { environment: options.env } : {}),
        ...(options.reason ? { reason: options.reason } : {}),
        actor: connection.actor,
      });
      if (options.json) printJson(result);
      else {
        for (const line of result.output) say(color.dim(`  ${line}`));
        say(`${service} ${result.version} (r${result.revision}) in ${result.environment}: ${result.action}`);
      }
      return ExitCode.ok;
    } finally {
      await connection.close();
    }
  };
}

export function register(program: Command): void {
  const describe = {
    restart: 'replace the live release’s instances one by one behind the switch (no failed request)',
    stop: 'drain and stop every running release of a service (local driver)',
    start: 'start the live release again and give it all traffic (local driver)',
  } as const;
  for (const which of ['restart', 'stop', 'start'] as const) {
    withGlobalOptions(program.command(`${which} <service>`).description(describe[which]))
      .option('--reason <text>', 'why (recorded in the audit log)')
      .action(action(serviceOp(which)));
  }
}
