import { describe, expect, it } from 'vitest';
import type { CatalogueEntry } from '../catalogue-entry.js';
import { netChanges } from '../harvester.js';

const entry = (code: string, hub = 'TG', title = code) => ({ code, hub, title }) as unknown as CatalogueEntry;
const change = (seq: number, code: string, e: CatalogueEntry | null) => ({ seq, ref: `TG:${code}`, code, entry: e });

describe('netChanges: what a feed page leaves in the catalogue', () => {
  it('keeps the last change of each code, in feed order', () => {
    const { upserts, deletions } = netChanges('TG', [
      change(1, 'a', entry('a', 'TG', 'a1')),
      change(2, 'b', entry('b')),
      change(3, 'a', entry('a', 'TG', 'a2')), // updated again in the same page
      change(4, 'b', null), // created then deleted
      change(5, 'c', null),
      change(6, 'c', entry('c')), // deleted then re-created
    ]);
    expect(upserts.map((e) => [e.code, e.title])).toEqual([['a', 'a2'], ['c', 'c']]);
    expect(deletions).toEqual(['b']);
  });

  it('ignores an entry that claims another hub or another code', () => {
    const { upserts, deletions } = netChanges('TG', [change(1, 'a', entry('a', 'QB')), change(2, 'b', entry('x'))]);
    expect(upserts).toEqual([]);
    expect(deletions).toEqual([]);
  });
});
