// Real technical English for the task gate's negatives: the sentences of the README.md files of
// the packages npm installed (node_modules), which talk about code, time-outs, rates, percentages
// and "double" the way ordinary chat prompts do. Each sentence keeps its package name and licence
// (package.json `license`); the output goes to a cache outside git (it is other people's text).
// Usage: tsx scripts/readme-corpus.ts OUT.jsonl (npm run train:default builds it too).
import { readdirSync, readFileSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Writes the README sentences of node_modules as JSONL {text, package, license}; returns the count. */
export function buildReadmeCorpus(out: string): number {
  const dirs: string[] = [];
  for (const d of readdirSync('node_modules')) {
    if (d.startsWith('.')) continue;
    if (d.startsWith('@')) for (const s of readdirSync(join('node_modules', d))) dirs.push(join('node_modules', d, s));
    else dirs.push(join('node_modules', d));
  }
  const seen = new Set<string>();
  const rows: string[] = [];
  for (const dir of dirs.sort()) {
    const readme = ['README.md', 'readme.md', 'Readme.md'].map((f) => join(dir, f)).find(existsSync);
    if (!readme || !existsSync(join(dir, 'package.json'))) continue;
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; license?: string };
    const md = readFileSync(readme, 'utf8')
      .replace(/```[\s\S]*?```/g, ' ') // code blocks
      .replace(/<[^>]+>/g, ' ')
      .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1') // links and images keep their text
      .replace(/[`*_#>|]/g, ' ');
    for (const para of md.split(/\n\s*\n/)) {
      for (const s of para.replace(/\s+/g, ' ').split(/(?<=[.!?])\s+(?=[A-Z])/)) {
        const t = s.trim();
        const words = t.split(' ').length;
        if (words < 6 || words > 60 || !/^[A-Z]/.test(t) || !/[a-z]{3}/.test(t) || seen.has(t)) continue;
        if (/https?:|\S+\/\S+\/\S+|[{}=;]{2}/.test(t)) continue;
        seen.add(t);
        rows.push(JSON.stringify({ text: t, package: pkg.name ?? dir, license: pkg.license ?? 'unknown' }));
      }
    }
  }
  writeFileSync(out, rows.join('\n') + '\n');
  return rows.length;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const out = process.argv[2];
  if (!out) {
    console.error('readme-corpus: usage: tsx scripts/readme-corpus.ts OUT.jsonl');
    process.exit(1);
  }
  console.log(`readme-corpus: ${buildReadmeCorpus(out)} sentences -> ${out}`);
}
