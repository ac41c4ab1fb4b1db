// The one-way rule of DESIGN.md ("Layers and the one-way rule") as a lint rule:
// every relative import under src/ is resolved to the folder it lands in, and an
// import that goes up the diagram, or from one adapter into another, is an error.
import { dirname, relative, resolve, sep } from 'node:path';

const ADAPTERS = ['drivers', 'database', 'store', 'notify', 'monitor', 'proxy', 'report', 'process', 'dns', 'alerts'];
const ABOVE_APP = ['server', 'runtime', 'cli'];

/** Imports a layer may not make, by layer; `except` lists allowed [from-prefix, to-prefix] pairs. */
const FORBIDDEN = {
  core: {
    layers: ['app', 'compose', 'config', 'sim', ...ABOVE_APP, ...ADAPTERS],
    why: 'core/ is pure: no adapters, no layer above it',
  },
  app: {
    // report/ renders incidents from data; app/ builds reports with it
    layers: ['sim', ...ABOVE_APP, ...ADAPTERS.filter((a) => a !== 'report')],
    why: 'app/ holds use cases only: adapters are built in app/compose, and app/ never imports server/, runtime/ or cli/',
  },
  compose: { layers: ['sim', ...ABOVE_APP], why: 'the composition root sits below server/ and runtime/' },
  config: {
    layers: ['app', 'compose', 'sim', ...ABOVE_APP],
    except: [['config/', 'proxy/haproxy/binary']],
    why: 'config/ is read by every layer',
  },
  server: { layers: ['runtime', 'cli', 'sim'], why: 'server/ is started by runtime/ and never imports it' },
  runtime: { layers: ['cli'], why: 'runtime/ is started by the CLI' },
  cli: { layers: ['server'], why: 'the CLI is an HTTP client of server/, never importing it' },
  sim: { layers: ['app', 'compose', ...ABOVE_APP, ...ADAPTERS], why: 'the simulators stand apart from Rewind' },
};
for (const adapter of ADAPTERS) {
  FORBIDDEN[adapter] = {
    layers: ['app', 'compose', 'sim', ...ABOVE_APP, ...ADAPTERS.filter((a) => a !== adapter)],
    // the local and container drivers run their releases behind the traffic switch; database clients run through the one runner
    except: [
      ['drivers/local/', 'proxy/'],
      ['drivers/container/', 'proxy/types'],
      ['drivers/behind-switch', 'proxy/types'],
      ['database/', 'process/'],
    ],
    why: 'adapters implement the ports and never import each other or the layers above them',
  };
}

/** The layer of a path relative to src/: its first folder; app/compose.ts and app/compose/ are the composition root. */
function layerOf(path) {
  if (path === 'app/compose.ts' || path.startsWith('app/compose/') || path === 'app/compose.js') return 'compose';
  return path.split('/')[0];
}

const rule = {
  meta: { type: 'problem', docs: { description: 'imports follow the layers of DESIGN.md' }, schema: [] },
  create(context) {
    const src = resolve(context.cwd, 'src');
    const file = relative(src, context.filename).split(sep).join('/');
    if (file.startsWith('..')) return {};
    const from = layerOf(file);
    const forbidden = FORBIDDEN[from];
    if (!forbidden) return {};
    const check = (node) => {
      const spec = node.source?.value;
      if (typeof spec !== 'string' || !spec.startsWith('.')) return;
      const target = relative(src, resolve(dirname(context.filename), spec))
        .split(sep)
        .join('/');
      if (target.startsWith('..')) return;
      const to = layerOf(target);
      if (to === from || !forbidden.layers.includes(to)) return;
      if ((forbidden.except ?? []).some(([a, b]) => file.startsWith(a) && target.startsWith(b))) return;
      context.report({ node: node.source, message: `${from}/ may not import ${to}/ (${target}): ${forbidden.why}` });
    };
    return {
      ImportDeclaration: check,
      ExportNamedDeclaration: check,
      ExportAllDeclaration: check,
      ImportExpression: check,
    };
  },
};

export const layers = { rules: { 'one-way': rule } };
