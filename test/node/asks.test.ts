// asksForQuantity (src/core/grammar/asks.ts): construction glosses wait for a prompt that asks for
// a quantity; a chat request that only mentions numbers gets none.
import { describe, expect, it } from 'vitest';
import { asksForQuantity, inFirstPersonSentence } from '../../src/core/grammar/index.ts';

describe('asksForQuantity', () => {
  it.each([
    'Eggs cost $3 a dozen. How much do 30 eggs cost?',
    'After a 25% discount the lamp costs $45. What was the original price?',
    "What's the total number of pesos they have together?",
    "What is Marcus' total bill?",
    'A cyclist rides 30 km in 2 hours. What is her average speed over the whole ride?',
    'Two consecutive even numbers add up to 46. What are they?',
    'A coat sells for $84 after a markdown. What did it cost originally?',
    'If she works 50 weeks a year, calculate her annual salary.',
    'Find the average of 4, 8 and 12.',
    'Which is the better deal: 3 for $1 or 50 cents each?',
    'By what percent did the price rise?',
    'Sales rose 10% and then 5%. If sales were $40,000 at the start, what were they after the second quarter?',
    'If she wants to read half of the remaining pages tomorrow, how many pages should she read?',
    'The ticket costs $3.50. How much do 4 tickets cost?',
    'I earn $20 an hour. How many hours should I work? How much do I earn in 30 hours?',
  ])('asks: %s', (t) => expect(asksForQuantity(t)).toBe(true));

  it.each([
    'My server handles 500 requests per second at peak. How do I scale it horizontally?',
    'The API charges $0.002 per 1,000 tokens. Is it cheaper to batch my requests?',
    'I drink 3 cups of coffee a day. Is that too much?',
    'What is the difference between TCP and UDP?',
    'What is the time complexity of binary search, and why?',
    'What is it like to work 60 hours a week at a startup?',
    'Explain what an API rate limit is and how to handle a 429 response.',
    'We ship 200 orders a day from one warehouse. What software do small shops use?',
    'Our sales grew 20% this year. Write a short LinkedIn post celebrating the team.',
    // advice in the first or second person, not a word problem's question
    'How much should I save each month for retirement at 35 if I earn $70,000 a year?',
    'My team ships 12 features per quarter. How many should we aim for?',
    '',
  ])('asks for no quantity: %s', (t) => expect(asksForQuantity(t)).toBe(false));
});

describe('inFirstPersonSentence', () => {
  const at = (t: string, phrase: string) =>
    inFirstPersonSentence(t, t.indexOf(phrase), t.indexOf(phrase) + phrase.length);
  it('reads the sentence around the phrase only', () => {
    expect(at('How much does a new iPhone cost? My plan is $60 a month.', '$60 a month')).toBe(true);
    expect(at('We send about 50 boxes a week. Which courier is cheapest?', '50 boxes a week')).toBe(true);
    expect(at("I'm paid $30 an hour.", '$30 an hour')).toBe(true);
    // Another sentence in the first person does not count; the country "US" is not "us".
    expect(at('I have a question. Sam earns $12.50 an hour. How much in 8 hours?', '$12.50 an hour')).toBe(false);
    expect(at('US prices rose 5% in a year.', 'rose 5%')).toBe(false);
  });
});
