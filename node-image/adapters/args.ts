// Program options: `--flag value` on the command line, else TB_FLAG in the environment (the
// container contract in node-image/README.md), else the default. Unknown flags are an error.
export interface OptionSpec {
  [name: string]: { default?: string; help: string; boolean?: boolean };
}

export function parseOptions(program: string, spec: OptionSpec, argv = process.argv.slice(2), env = process.env): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  const given = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--help' || a === '-h') {
      process.stdout.write(usage(program, spec));
      process.exit(0);
    }
    const m = /^--([a-z0-9-]+)(?:=(.*))?$/.exec(a);
    if (!m || !(m[1] in spec))
      throw new Error(
        `${program}: unknown option ${a}; valid: ${Object.keys(spec)
          .map((k) => '--' + k)
          .join(' ')}`,
      );
    if (spec[m[1]].boolean) given.set(m[1], m[2] ?? 'true');
    else {
      const v = m[2] ?? argv[++i];
      if (v === undefined) throw new Error(`${program}: --${m[1]} needs a value`);
      given.set(m[1], v);
    }
  }
  for (const [name, s] of Object.entries(spec)) {
    const envName = 'TB_' + name.toUpperCase().replace(/-/g, '_');
    out[name] = given.get(name) ?? env[envName] ?? s.default;
  }
  return out;
}

function usage(program: string, spec: OptionSpec): string {
  const lines = Object.entries(spec).map(
    ([k, s]) => `  --${k}${s.boolean ? '' : ' VALUE'}  ${s.help}${s.default !== undefined ? ` (default ${s.default})` : ''}  [env TB_${k.toUpperCase().replace(/-/g, '_')}]`,
  );
  return `usage: ${program} [options]\n${lines.join('\n')}\n`;
}

export function requireOption(program: string, opts: Record<string, string | undefined>, name: string): string {
  const v = opts[name];
  if (v === undefined || v === '') throw new Error(`${program}: --${name} is required`);
  return v;
}

export function numberOption(program: string, opts: Record<string, string | undefined>, name: string): number {
  const v = Number(requireOption(program, opts, name));
  if (!Number.isFinite(v)) throw new Error(`${program}: --${name} must be a number, got ${opts[name]}`);
  return v;
}

/** JSON lines on stdout: the programs' log format */
export function logger(program: string, name: string) {
  return (event: string, fields: Record<string, unknown> = {}) => {
    process.stdout.write(JSON.stringify({ t: Date.now(), program, name, event, ...fields }) + '\n');
  };
}
