/**
 * `<domain>.v<major>.<entity>[.<id>].<action>`, lowercase; ids are `{name}`
 * placeholders so each id is one token and wildcards work.
 */
export const SUBJECT_GRAMMAR = /^[a-z][a-z0-9-]*\.v[0-9]+\.[a-z][a-z0-9-]*(\.\{[a-zA-Z]+\})?\.[a-z][a-z0-9_-]*$/;

export function isValidSubjectTemplate(subject: string): boolean {
  return SUBJECT_GRAMMAR.test(subject);
}
