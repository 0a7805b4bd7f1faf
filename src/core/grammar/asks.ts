// Whether a prompt asks for a quantity: a question or an instruction to compute ("How many …?",
// "What was the original price?", "Find the average speed.", "By what percent did it rise?"). A
// word problem asks for one; a chat request that merely mentions numbers ("My server handles 500
// requests per second. How do I scale it?") does not, and a math gloss there is noise. A cue
// pattern beside the SAE task gate, not a reading of the model: construction rules say so.

// "how many / much / long / far / old …"
const HOW = /\bhow\s+(many|much|long|far|old|fast|tall|big|heavy|often|large|deep|wide|high|soon)\b/i;
// "what is the total cost", "what's the average speed", "by what percent": "what" and a measure word
// within four words, the measure word ending its noun phrase ("what is the rate?", not "what an API
// rate limit is", "the time complexity", "the difference between TCP and UDP")
const WHAT_MEASURE =
  /\bwhat(?:\s*['\u2019]s|\s+(?:is|was|are|were|will|would)(?:\s+be)?)?\s+(?:(?:the|his|her|their|its|our|my|your|each|a|an)\s+)?(?:[\w-]+(?:['\u2019]s?)?\s+){0,3}?(percent(?:age)?|fraction|number|total|amount|price|cost|sum|difference|ratio|average|mean|speed|rate|distance|time|age|area|perimeter|volume|weight|value|profit|loss|score|length|height|width|depth|change|balance|share|interest|salary|wage|bill|fare|rent|income|earnings|savings|remainder|temperature|population|chance|likelihood|probability|smallest|largest|greatest|least|biggest|size|thickness|footage|production|capacity|discount|tax|tip|fee|payment|sales|revenue|budget|year|point|mass|quantity|commission|allowance|pace|worth)s?\b(?=\s*(?:of|in|for|per|after|before|at|on|over|with|by|from|to|during|across|if|that|does|did|do|will|would|should|must|can|could|has|have|had|is|was|are|were|when|now|then|he|she|they|it|\w+ed|between\s+(?:the|their|his|her|its|\w+\s+and\s+\w+['\u2019]s?)\b|[,?.:;(]|$))/i;
// "What are they?" after numbers; "what were they after the second quarter?", "What is it worth now?"
const WHAT_ARE_THEY =
  /\bwhat\s+(?:are|were)\s+(?:they|them|the\s+(?:\w+\s+)?numbers)\s*\?|\bwhat\s+(?:is|was|are|were|will\s+be)\s+(?:it|they)\s+(?:worth|after|before|by|at\s+the\s+end|now|then)\b(?:[^.?!\n]|\.(?=\d)){0,40}\?/i;
// "What did it cost originally?", "What does she earn?", "… is left?"
const ASKED_VERB =
  /\b(?:what|which)\b(?:[^.?!\n]|\.(?=\d))*\b(cost|costs|pay|paid|earn|earned|earns|spend|spent|weigh|weighs|save|saved|owe|owes|get|gets|receive|receives|sell|sold|make|made|worth|left|remain|remains|remaining|needed|need)\b(?:[^.?!\n]|\.(?=\d)){0,25}\?/i;
// "which … cheaper / more / the better deal"
const WHICH =
  /\bwhich\b(?:[^.?!\n]|\.(?=\d))*\b(cheaper|more|less|larger|smaller|bigger|faster|slower|better deal|longer|shorter)\b(?:[^.?!\n]|\.(?=\d))*\?/i;
// "Calculate the total", "Find how many", "Work out what she pays"
const IMPERATIVE =
  /(?:^|[.!?:,;]\s+|\n\s*)(?:please\s+|then\s+)?(solve|calculate|compute|find|determine|work out|figure out|estimate|evaluate)\b/i;

// "How much should I save for retirement?", "How many should we aim for?": a question that asks for
// advice in the first or second person. Word problems ask about their characters ("how many pages
// should she read?"): 1 of 8,330 GSM8K questions has "should I / we / you".
const ADVICE = /\bshould\s+(?:I|we|you)\b/i;
// Sentences: split after ?, ! or a full stop that is not a decimal point ("$3.50"), and at line breaks.
const SENTENCE_BREAK = /(?<=[?!]|\.(?!\d))\s+|\n+/;

// "Write a short mystery story in which …": a writing task, whatever its question asks ("How much detail …?")
const WRITING_TASK =
  /^\s*(?:please\s+)?(?:write|draft|compose|create|generate)\s+(?:me\s+)?(?:a|an|some|the)\s+(?:[\w-]+\s+){0,3}?(?:story|poem|e-?mail|letter|post|essay|song|script|tweet|message|scene|dialogue|speech|ad|caption|limerick|haiku)\b/i;

/**
 * Whether `text` asks for a quantity (see above). Pure; true for any text holding one such question
 * or instruction in a sentence that does not ask for advice ("How much should I save …?"), unless the
 * prompt is a writing task ("Write a short story in which …").
 * @example asksForQuantity('Eggs cost $3 a dozen. How much do 30 eggs cost?') // true
 * @example asksForQuantity('My server handles 500 requests per second. How do I scale it?') // false
 * @example asksForQuantity('I earn $70,000 a year. How much should I save each month?') // false
 */
export function asksForQuantity(text: string): boolean {
  if (WRITING_TASK.test(text)) return false;
  return text.split(SENTENCE_BREAK).some((s) => !ADVICE.test(s) && asksInSentence(s));
}

function asksInSentence(s: string): boolean {
  return (
    HOW.test(s) ||
    WHAT_MEASURE.test(s) ||
    ASKED_VERB.test(s) ||
    WHICH.test(s) ||
    WHAT_ARE_THEY.test(s) ||
    IMPERATIVE.test(s)
  );
}

// "I", "my", "we", "our": a sentence about the writer's own life ("My plan is $60 a month.", "We send
// about 50 boxes a week."), the way chat requests give context. Word problems tell of their
// characters; a gloss on the writer's own facts is noise.
const FIRST_PERSON_I = /\bI(?:['\u2019](?:m|ve|d|ll))?\b/;
const FIRST_PERSON = /\b(?:me|my|mine|we|we['\u2019](?:re|ve|d|ll)|us|our|ours)\b/i;

/**
 * Whether the sentence around UTF-16 offsets [start, end) of `text` speaks in the first person
 * (case-sensitive "I"; "US" the country is not "us"). Sentences end at ., ? or ! (not a decimal
 * point) or a line break.
 * @example inFirstPersonSentence('My plan is $60 a month.', 11, 22) // true
 */
export function inFirstPersonSentence(text: string, start: number, end: number): boolean {
  let a = start;
  while (a > 0 && !/[?!\n]/.test(text[a - 1]) && !(text[a - 1] === '.' && !/\d/.test(text[a] ?? ''))) a--;
  const stop = /[?!\n]|\.(?!\d)/.exec(text.slice(end));
  const sentence = text.slice(a, stop ? end + stop.index : text.length);
  return FIRST_PERSON_I.test(sentence) || FIRST_PERSON.test(sentence.replace(/\bUS\b/g, ''));
}
