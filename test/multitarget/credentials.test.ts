import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { createLogger } from '../../src/log/logger';
import { CredentialsFile } from '../../src/multitarget/credentials';
import { tempDir } from '../harness/process';

const tmp = tempDir('credentials');
afterAll(() => tmp.remove());

function setup(text: string) {
  const file = path.join(tmp.dir, `c-${Math.random().toString(36).slice(2)}.yml`);
  writeFileSync(file, text);
  const lines: string[] = [];
  let now = 1_000_000;
  const credentials = new CredentialsFile(
    file,
    createLogger('debug', (l) => lines.push(l)),
    () => now,
  );
  return { file, lines, credentials, tick: (ms: number) => (now += ms) };
}

describe('multiTarget.credentialsFile', () => {
  test('host:port first, then host; IPv6 in brackets; JSON works too', () => {
    const { credentials } = setup(
      '{"r1.internal:6379": {"password": "a-pass"}, "r1.internal": {"username": "u", "password": "b-pass"}, "[::1]:6379": {"password": "c-pass"}}',
    );
    expect(credentials.lookup('r1.internal', 6379)).toEqual({ password: 'a-pass' });
    expect(credentials.lookup('r1.internal', 7000)).toEqual({ username: 'u', password: 'b-pass' });
    expect(credentials.lookup('::1', 6379)).toEqual({ password: 'c-pass' });
    expect(credentials.lookup('r2.internal', 6379)).toBeUndefined();
  });

  test('a change is read at the next lookup a second later; a broken change keeps the previous entries', () => {
    const { file, lines, credentials, tick } = setup('r1.internal:\n  password: old-pass-1\n');
    writeFileSync(file, 'r1.internal:\n  password: new-pass-22\n');
    expect(credentials.lookup('r1.internal', 6379)?.password).toBe('old-pass-1'); // checked at most once a second
    tick(1000);
    expect(credentials.lookup('r1.internal', 6379)?.password).toBe('new-pass-22');
    writeFileSync(file, 'r1.internal:\n  password: leaked-in-error-333\n  pasword: x\n');
    tick(1000);
    expect(credentials.lookup('r1.internal', 6379)?.password).toBe('new-pass-22');
    expect(lines.join('\n')).toContain("Unrecognized key(s) in object: 'pasword'");
    expect(lines.join('\n')).not.toContain('leaked-in-error-333');
  });

  test('a file that cannot be used at startup throws a message without its values', () => {
    const file = path.join(tmp.dir, 'bad.yml');
    writeFileSync(file, 'r1.internal: "password: not-an-object-4444"\n');
    expect(
      () =>
        new CredentialsFile(
          file,
          createLogger('error', () => undefined),
        ),
    ).toThrow('r1.internal: Expected object, received string');
    expect(
      () =>
        new CredentialsFile(
          path.join(tmp.dir, 'missing.yml'),
          createLogger('error', () => undefined),
        ),
    ).toThrow('cannot read (ENOENT)');
  });
});
