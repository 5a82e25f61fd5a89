import { describe, expect, it } from 'vitest';
import * as auth from '../src/auth.js';
import * as browser from '../src/index.browser.js';
import * as main from '../src/index.js';

// The browser build of @wamp/core leaves out exactly the names of
// @wamp/core/auth (a page takes them from there, lazily); every other export
// must be the same object in both builds.
describe('entry points of @wamp/core', () => {
  it('the main entry = the browser entry + @wamp/core/auth, with no name in both', () => {
    const authNames = Object.keys(auth).sort();
    const browserNames = Object.keys(browser);
    expect(authNames.length).toBeGreaterThan(0);
    expect(browserNames.filter((n) => n in auth)).toEqual([]);
    expect([...browserNames, ...authNames].sort()).toEqual(Object.keys(main).sort());
  });

  it('each name is the same object from either entry', () => {
    const m = main as Record<string, unknown>;
    for (const [name, value] of [...Object.entries(browser), ...Object.entries(auth)]) expect(m[name], name).toBe(value);
  });
});
