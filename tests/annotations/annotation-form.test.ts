import { describe, expect, it } from 'vitest';
import { defaultKindFor, emptyAnnotationForm, findFieldProblems, readAnnotationForm } from '../../src/server/annotations/annotation-form.ts';

function form(fields: Record<string, string>): FormData {
  const data = new FormData();
  for (const [name, value] of Object.entries(fields)) data.set(name, value);
  return data;
}

describe('the kind a new comment form starts with', () => {
  it('is none on a free Comment form: the map, a stage, a row, a card', () => {
    for (const anchor of ['map', 'stage:abc', 'lane:abc', 'card:abc']) {
      expect(defaultKindFor(anchor)).toBe('');
      expect(emptyAnnotationForm(anchor).kind).toBe('');
    }
  });

  it('is "missing" where the question asks it: the gap after a stage ("Missing after this?")', () => {
    expect(defaultKindFor('gap:abc:def')).toBe('missing');
    expect(emptyAnnotationForm('gap:abc:def').kind).toBe('missing');
  });

  it('is what the caller asks for (the guided walk’s "Is anything missing here?")', () => {
    expect(emptyAnnotationForm('stage:abc', 'missing').kind).toBe('missing');
    expect(emptyAnnotationForm('gap:abc:def', '').kind).toBe('');
  });

  it('treats junk anchors as free forms', () => {
    expect(defaultKindFor('gap:abc')).toBe('');
    expect(defaultKindFor('')).toBe('');
  });
});

describe('which fields of a refused form are at fault', () => {
  it('names a missing kind and blank or whitespace-only text, with the service’s words', () => {
    expect(findFieldProblems(readAnnotationForm(form({ anchor: 'map', text: ' \r\n\t ' })).values)).toEqual({
      kind: 'Choose what kind of comment this is.',
      text: 'Write what you want to tell the team.',
    });
    expect(findFieldProblems(readAnnotationForm(form({ anchor: 'map', kind: 'nonsense', text: 'fine' })).values)).toEqual({ kind: 'Choose what kind of comment this is.', text: null });
  });

  it('names text that is too long, counting characters, not UTF-16 units', () => {
    expect(findFieldProblems(emptyAnnotationForm('map', 'idea')).text).toBe('Write what you want to tell the team.');
    expect(findFieldProblems({ ...emptyAnnotationForm('map', 'idea'), text: '😀'.repeat(5000) })).toEqual({ kind: null, text: null });
    expect(findFieldProblems({ ...emptyAnnotationForm('map', 'idea'), text: 'x'.repeat(5001) }).text).toBe('Keep it to 5,000 characters.');
  });

  it('finds nothing wrong with a good form', () => {
    expect(findFieldProblems(readAnnotationForm(form({ anchor: 'card:abc', kind: 'works_well', text: 'Quick.' })).values)).toEqual({ kind: null, text: null });
  });
});
