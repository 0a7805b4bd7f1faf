// npm run bench [-- suite ...] [--rounds N]: prints tables of medians and ratios measured in one run.
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { rounds: { type: 'string', default: '30' } },
});
const rounds = Number(values.rounds);
if (!Number.isInteger(rounds) || rounds < 1) {
  console.error('bench: --rounds must be a positive integer');
  process.exit(1);
}

const suites: Record<string, () => Promise<void>> = {
  detector: async () => (await import('./detector.ts')).benchDetector(rounds),
  sae: async () => (await import('./sae.ts')).benchSae(rounds),
  // Trains each engine for 40 steps (about a minute per engine on 2 cores); rounds do not apply.
  'sae-engines': async () => (await import('./sae-engines.ts')).benchSaeEngines(),
  rewrite: async () => (await import('./rewrite.ts')).benchRewrite(rounds),
  proxy: async () => (await import('./proxy.ts')).benchProxy(rounds),
  probe: async () => (await import('./probe.ts')).benchProbe(rounds),
  hostile: async () => (await import('./hostile.ts')).benchHostile(rounds),
};
const chosen = positionals.length ? positionals : Object.keys(suites);
for (const name of chosen) {
  if (!suites[name]) {
    console.error(`bench: unknown suite "${name}" (have: ${Object.keys(suites).join(', ')})`);
    process.exit(1);
  }
}
console.log(`bench: ${chosen.join(', ')}; ${rounds} rounds; node ${process.version}; ${new Date().toISOString()}`);
for (const name of chosen) await suites[name]();
