import { allContracts } from './registry';
import { isValidSubjectTemplate } from './subject-grammar';
import { fillSubject, parseSubject, subjectMatches, subjectPattern } from './contract';

describe('the platform contracts', () => {
  it.each(allContracts.map((c) => [c.subject]))('subject %s follows <domain>.v<major>.<entity>[.<id>].<action>', (subject) => {
    expect(isValidSubjectTemplate(subject)).toBe(true);
  });

  it('has no two contracts on the same subject', () => {
    const subjects = allContracts.map((c) => c.subject);
    expect(new Set(subjects).size).toBe(subjects.length);
  });
});

describe('subject grammar', () => {
  it.each(['Ingest.v1.stream.started', 'ingest.stream.started', 'ingest.v1.started', 'ingest.v1.stream.abc.started', 'ingest.v1.stream.{id}.{x}.started'])(
    'rejects %s',
    (s) => expect(isValidSubjectTemplate(s)).toBe(false),
  );
});

describe('subject templates', () => {
  it('fills ids as single tokens and reads them back', () => {
    const t = 'ingest.v1.stream.{streamId}.started';
    const s = fillSubject(t, { streamId: 'abc_1' });
    expect(s).toBe('ingest.v1.stream.abc_1.started');
    expect(subjectMatches(subjectPattern(t), s)).toBe(true);
    expect(parseSubject(t, s)).toEqual({ streamId: 'abc_1' });
  });

  it('refuses an id that would add tokens or wildcards', () => {
    expect(() => fillSubject('a.v1.b.{id}.c', { id: 'x.y' })).toThrow(/must be/);
    expect(() => fillSubject('a.v1.b.{id}.c', { id: '*' })).toThrow(/must be/);
    expect(() => fillSubject('a.v1.b.{id}.c', {})).toThrow(/needs a value/);
  });

  it('matches > and * wildcards like NATS', () => {
    expect(subjectMatches('a.>', 'a.b.c')).toBe(true);
    expect(subjectMatches('a.>', 'a')).toBe(false);
    expect(subjectMatches('a.*.c', 'a.b.c')).toBe(true);
    expect(subjectMatches('a.*.c', 'a.b.d')).toBe(false);
  });
});
