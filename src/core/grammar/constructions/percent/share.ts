// Shares: the base of "what percent of", "25% of the remainder", "15% of the students".
import {
  alt,
  cap,
  opt,
  phrase,
  seq,
  slot,
  sym,
  w,
  when,
  type ConstructionDef,
  type Parse,
  type Pattern,
} from '../../engine.ts';
import { nameOf } from '../../referents.ts';
import { fitted, money, num } from '../../render.ts';
import { percent, quantity, units } from '../../slots.ts';
import { ref, refOf, sentenceAfter, sentenceBefore, text } from '../common.ts';
import { ofRemainder } from '../fraction.ts';
import { clauseAt, clauseTail, relativeAt, relativeTail } from '../tail.ts';
import { PERCENT_ASKED, PERCENT_WORD, notOf } from './words.ts';

const part = alt(slot('xq', quantity), ref('x'));
const whole = alt(slot('yq', quantity), ref('y'));
const BE = ['is', 'are', 'was', 'were'];

function partText(p: Parse, q: string, r: string): string | null {
  const s = p.slots[q];
  if (s) return money(s.value!, s.label);
  const ref = refOf(p, r);
  if (!ref || ref.role === 'pronoun' || ref.role === 'time') return null;
  return nameOf(p.c, ref);
}

/** "did it win": a subject and its verb, required (the gloss must not go inside the question). */
const askedClause: Pattern = (c, s) => clauseTail(c, s).filter((x) => x.i > s.i);

/** "what percent of the class is 12", "12 as a percentage of 60" -> "12 ÷ 60 × 100: 60 is the base". */
export const percentOfBase: ConstructionDef = {
  family: 'percent',
  kind: 'percent-of-base',
  priority: 16,
  pattern: alt(
    seq(w('what'), w('percent', 'percentage'), w('of'), whole, w(...BE), part),
    seq(part, w(...BE), w('what'), w('percent', 'percentage'), w('of'), whole),
    seq(part, w('as'), w('a'), w('percent', 'percentage'), w('of'), whole),
    // "what percent of its games did it win": the part is the clause after
    seq(w('what'), w('percent', 'percentage'), w('of'), whole, w('did', 'does', 'do'), askedClause),
    // "He answered 45 of the 60 questions right. What percent …?", "72 out of 90": a part of a counted whole
    seq(
      slot('xq', quantity),
      alt(seq(w('of'), w('the', 'his', 'her', 'their', 'its')), phrase('out of')),
      slot('yq', quantity),
      opt(units('whole')),
      // "What percent of its games did it win?" has its own reading: one gloss for one relation
      when((c) => PERCENT_ASKED.test(c.text) && !/\bwhat\s+percent(age)?\s+of\b/i.test(c.text)),
    ),
  ),
  render(p) {
    const y = partText(p, 'yq', 'y');
    const x = p.slots.xq || p.slots.x ? partText(p, 'xq', 'x') : 'the part';
    if (!x || !y) return null;
    // "45 out of 60 right. What percent did she get wrong?": the question asks for the other part
    if (
      (p.slots.xq || p.slots.x) &&
      /\b(?:wrong|incorrect|missed|not|n't|left|remain\w*|rest|fail\w*|lost)\b/i.test(
        p.c.text.slice(p.c.toks[p.to - 1].end),
      )
    )
      return null;
    return fitted(`${x} ÷ ${y} × 100, with ${y} as the base`);
  },
};

/** "25% of the remainder" -> "25% of what is left after the previous step". */
export const percentOfRemainder = ofRemainder('percent', 'percent-of-remainder', 'pct', percent);

/** "15% of the students" -> "0.15 × the students". */
export const percentOf: ConstructionDef = {
  family: 'percent',
  kind: 'percent-of',
  priority: 8,
  // "2% of the money he owed": the relative clause is part of the phrase
  pattern: alt(
    seq(slot('pct', percent), w('of'), ref(), clauseTail, relativeTail),
    // "a 4% commission on $25,000": a share of the amount, not a change of it
    seq(
      w('a', 'an'),
      slot('pct', percent),
      cap('share', w('commission', 'royalty', 'fee')),
      w('on', 'of'),
      cap('counted', slot('n', quantity)),
    ),
    // "Of the 250 tickets, 40 percent were sold online", "Of 1,200 emails, 3% bounced"
    seq(
      w('of'),
      opt(w('the', 'his', 'her', 'their', 'its')),
      cap('counted', seq(slot('n', quantity), units('u'))),
      sym(','),
      slot('pct', percent),
      // "of 100 people, 40% of these people": the phrase after is the base, not the count before
      notOf,
    ),
  ),
  render(p) {
    // "45% liked cats, 35% liked dogs, and the rest …": one share of a list
    if (/^[^,.;?!]*,\s*(?:and\s+)?\d[\d.]*\s*(?:%|per\s?cent)/i.test(sentenceAfter(p))) return null;
    const counted = text(p, p.slots.counted);
    const share = text(p, p.slots.share).toLowerCase();
    if (share)
      return fitted(`${share} = ${num(p.slots.pct.value! / 100)} × ${money(p.slots.n.value!, p.slots.n.label)}`);
    if (counted && !p.slots.n.label) return fitted(`${num(p.slots.pct.value! / 100)} × ${counted}`);
    if (counted) return null;
    const r = refOf(p)!;
    if (r.role === 'time') return null;
    // "80% of people who took the test", "60% of the recommended 8 hours": the base goes on past
    // the phrase, so neither the gloss nor its place would be right
    if (relativeAt(p.c, p.to) || clauseAt(p.c, p.to) || quantity(p.c, p.to)) return null;
    if (p.c.word(p.from - 1) === ',' || p.c.toks[p.from - 1]?.text === ',') {
      if (
        PERCENT_WORD.test(
          p.c
            .slice(p.c.sentenceStart(p.from), p.from - 1)
            .split(',')
            .slice(1)
            .join(','),
        )
      )
        return null;
    }
    // "15% of day-shift workers and 30% of night-shift workers are …": two shares of one subject
    if (['and', 'or'].includes(p.c.word(p.to)) && PERCENT_WORD.test(p.c.slice(p.to + 1, p.to + 4))) return null;
    if (
      ['and', 'or'].includes(p.c.word(p.from - 1)) &&
      p.c.toks[p.from - 2]?.text !== ',' &&
      ((/ of /.test(sentenceBefore(p)) && PERCENT_WORD.test(sentenceBefore(p))) ||
        /(?:%|\bper\s?cent)\s*$/i.test(p.c.slice(p.c.sentenceStart(p.from), p.from - 1)))
    )
      return null;
    if (/\b[A-Z]$/.test(p.c.slice(p.from, p.to))) return null; // "50% of tree B": a type, not a base
    // "25 percent of the cows without a red spot", "50% of tree A": the base goes on past the phrase
    if (['without', 'with', 'not'].includes(p.c.word(p.to)) || /^[A-Z]$/.test(p.c.toks[p.to]?.text ?? '')) return null;
    // "Dev and Emma each keep 20% of the money" (each one's own), "After spending 40% of his money,
    // Raj has $90 left" (the amount left is the other 60%), "$54 including 8% of the price as tax"
    if (eachAgentBefore(p) || /^\s*after\b/i.test(sentenceBefore(p))) return null;
    // "15% of the value-added tax": a tax or tip is a percentage of a price, so this wording means the rate
    if ([r.head, p.to].some((i) => /^(?:tax|taxes|vat|tip|tips|gratuity)$/i.test(p.c.word(i)))) return null;
    if (/\binclud(?:es|ed|ing)\b/i.test(`${sentenceBefore(p)} ${sentenceAfter(p)}`)) return null;
    // "480 students and 25% of them": the pronoun's one count in the sentence is the base
    // "80% of people who RSVPed": the clause after the noun is part of the base
    const base =
      r.role === 'pronoun'
        ? p.c.word(r.from) === 'them'
          ? countBefore(p)
          : ''
        : p.c.slice(r.from, Math.max(r.to, p.to));
    if (!base) return null;
    // "10% of the tulips sold on the second day", "20% of the customers served": the participle and
    // what follows it narrow the base, so the gloss names them too (or, past 4 words, nothing)
    const narrowed = participleTail(p);
    if (narrowed === null) return null;
    return fitted(`${num(p.slots.pct.value! / 100)} × ${base.replace(/^(the|a|an) /i, '')}${narrowed}`);
  },
};

/**
 * The words of a past participle phrase right after a percentage's base ("sold on the second day",
 * "served", "polled"): '' where none follows, null where it runs past 4 words.
 */
function participleTail(p: Parse): string | null {
  const c = p.c;
  // "15% of the trees died": with no verb before the phrase in its clause and none after, the
  // participle-looking word is the clause's own verb
  let k = p.from - 1;
  while (
    k >= 0 &&
    c.toks[k].type !== 'punct' &&
    !['but', 'and', 'while', 'so'].includes(c.word(k)) &&
    !c.tags(k).has('Verb')
  )
    k--;
  const verbBefore = k >= 0 && c.tags(k).has('Verb') && c.toks[k].type === 'word';
  const t = c.tags(p.to);
  if (c.toks[p.to]?.type !== 'word' || !t.has('Verb') || !(t.has('PastTense') || t.has('Participle'))) return '';
  if (t.has('Copula') || t.has('Auxiliary') || (c.tags(p.to + 1).has('Noun') && c.tags(p.to + 1).has('Determiner')))
    return '';
  // a verb with an object ("20% of the students passed the test") is the clause's, not the base's
  if (['the', 'a', 'an', 'his', 'her', 'their', 'its', 'them', 'it'].includes(c.word(p.to + 1))) return '';
  let i = p.to + 1;
  while (i < c.toks.length && c.toks[i].type === 'word' && !c.tags(i).has('Verb') && !c.tags(i).has('Conjunction')) i++;
  if (!verbBefore && !(c.toks[i]?.type === 'word' && c.tags(i).has('Verb'))) return '';
  if (i - p.to > 5) return null;
  // "80% of the people abducted ." / "45% of the people polled said …": the participle ends the base
  return ` ${c.slice(p.to, i)}`;
}

/**
 * The one "N <plural noun>" count ("480 students") in the sentence before the phrase, as written, or
 * '' where there is none or more than one (then "them" is not resolved).
 */
function countBefore(p: Parse): string {
  const found: string[] = [];
  for (let i = p.c.sentenceStart(p.from); i < p.from; i++) {
    const q = quantity(p.c, i);
    if (!q || q.label || !p.c.tags(q.to).has('Plural') || p.c.tags(q.to).has('Pronoun')) continue;
    found.push(p.c.slice(i, q.to + 1));
    i = q.to;
  }
  return found.length === 1 ? found[0] : '';
}

/** Whether "each" or "both" stands before a verb earlier in the phrase's sentence ("Dev and Emma each keep"). */
function eachAgentBefore(p: Parse): boolean {
  for (let i = p.c.sentenceStart(p.from); i < p.from - 1; i++)
    if (['each', 'both'].includes(p.c.word(i)) && p.c.tags(i + 1).has('Verb') && !p.c.tags(i + 1).has('Noun'))
      return true;
  return false;
}
