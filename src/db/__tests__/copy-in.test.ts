import { describe, expect, it } from 'vitest';
import { COPY_NULL, copyJson, copyText } from '../copy-in.js';

describe('copyText', () => {
  it('escapes what COPY text format reads specially, and nothing else', () => {
    expect(copyText('a\tb\nc\rd\\e')).toBe('a\\tb\\nc\\rd\\\\e');
    expect(copyText('\\N')).toBe('\\\\N');
    expect(copyText('\\.')).toBe('\\\\.');
    expect(copyText('Tiền Giang, "ấp 4"; 🇻🇳')).toBe('Tiền Giang, "ấp 4"; 🇻🇳');
    expect(copyText('')).toBe('');
    expect(copyText('')).not.toBe(COPY_NULL);
  });
});

describe('copyJson', () => {
  it('doubles the backslashes of JSON text, which has no raw control characters to escape', () => {
    const json = JSON.stringify({ s: 'a\tb\n"c"\\d' });
    expect(copyJson(json)).toBe(copyText(json));
    expect(copyJson('{"a":"Tiền"}')).toBe('{"a":"Tiền"}');
  });
});
