import { Client } from 'pg';
import { connectionSettings } from '../../../src/collectors/postgres/connection';

/** What pg itself makes of the settings (its own parsing, not a copy of it). */
const passwordPgUses = (settings: { url?: string; password?: string }) =>
  new Client(connectionSettings(settings)).connectionParameters.password;

describe('postgres connection settings', () => {
  test.each([
    ['a URL without a password', 'postgres://jobs@db.internal:5432/jobs'],
    ['a URL with an empty password', 'postgres://jobs:@db.internal:5432/jobs'],
    ['a URL with another password (DATABASE_PASSWORD overrides it)', 'postgres://jobs:old@db.internal:5432/jobs'],
  ])('DATABASE_PASSWORD reaches pg with %s', (_what, url) => {
    expect(passwordPgUses({ url, password: 'p@ss:w/rd 5' })).toBe('p@ss:w/rd 5');
  });

  test('the URL password is used when no separate one is set', () => {
    expect(passwordPgUses({ url: 'postgres://jobs:in%40url@db.internal/jobs' })).toBe('in@url');
  });

  test("without a URL the password is pg's option (libpq variables for the rest)", () => {
    expect(connectionSettings({ password: 'only-password' })).toEqual({ password: 'only-password' });
    expect(connectionSettings({})).toEqual({});
  });
});
