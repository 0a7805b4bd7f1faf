// A bundle's rewrite (GlossEngine.rewrite, what /v1/rewrite runs) as a protocol Glosser: each inserted
// gloss with its rule's misreading family and the phrase it annotates. Rewrites are memoised per text,
// since the checks send some texts more than once.
import type { GlossEngine } from '../../src/core/engine/engine.ts';
import type { MatchOptions } from '../../src/core/rules/match.ts';
import type { Glossed, Glosser } from './checks.ts';

/** Family of a rule id in `engine` ('multiplicative' for rules of bundles written before families). */
function familyOf(engine: GlossEngine, ruleId: string): string {
  const r = engine.rulesById.get(ruleId) as { family?: string } | undefined;
  return r?.family ?? (/percent/.test(ruleId) ? 'percent' : /rate/.test(ruleId) ? 'rate' : 'multiplicative');
}

/** `engine.rewrite` under `options` as a Glosser. */
export function engineGlosser(engine: GlossEngine, options: MatchOptions = {}): Glosser {
  const memo = new Map<string, Promise<Glossed>>();
  return (text) => {
    let p = memo.get(text);
    if (!p) {
      p = engine.rewrite(text, options).then((o) => {
        const glosses = o.inserted.map((ins) => {
          const f = o.fired.find((x) => x.ruleId === ins.ruleId && x.span.end === ins.at) ??
            o.fired.find((x) => x.ruleId === ins.ruleId) ?? { span: { start: ins.at, end: ins.at } };
          return {
            family: familyOf(engine, ins.ruleId),
            at: ins.at,
            gloss: ins.gloss,
            span: { start: f.span.start, end: f.span.end },
          };
        });
        return { text, rewritten: o.rewritten, glosses };
      });
      memo.set(text, p);
    }
    return p;
  };
}
