import { parseTarget, TargetRefused, MAX_TARGET_CHARS } from '../../src/multitarget/target';

function refusal(target: string): string {
  try {
    parseTarget(target);
  } catch (err) {
    if (err instanceof TargetRefused) return err.message;
    throw err;
  }
  throw new Error(`accepted ${target}`);
}

describe('/probe target checks', () => {
  test('each scheme maps to its kind, with an explicit port in the URL given to the collectors', () => {
    expect(parseTarget('redis://r1.internal').href).toBe('redis://r1.internal:6379');
    expect(parseTarget('rediss://r1.internal:7000/3')).toMatchObject({ kind: 'redis', port: 7000 });
    expect(parseTarget('postgres://db.internal/jobs').href).toBe('postgres://db.internal:5432/jobs');
    expect(parseTarget('postgresql://db.internal/jobs?sslmode=require').kind).toBe('postgres');
    expect(parseTarget('https://api.internal/health?x=1').href).toBe('https://api.internal:443/health?x=1');
    expect(parseTarget('redis://[::1]:6379')).toMatchObject({ host: '::1', href: 'redis://[::1]:6379' });
  });

  test('hostile targets are refused with a short message that never repeats them', () => {
    const cases = [
      'x'.repeat(10_000),
      `redis://${'a'.repeat(MAX_TARGET_CHARS)}.internal`,
      'not a url',
      '%%%',
      'javascript:alert(1)',
      'gopher://internal:70/',
      'file:///etc/passwd',
      'redis://user:hunter2secret@r1.internal:6379',
      'redis://:hunter2secret@r1.internal:6379',
      'https://user:hunter2secret@api.internal/',
      'redis://r1.internal:6379/0?password=hunter2secret',
      'redis://r1.internal:6379/../../etc',
      'postgres://db.internal/jobs?host=/tmp&password=hunter2secret',
      'postgres://db.internal',
      'redis://r1.internal#frag',
      'redis://r1\u0000.internal',
      ' redis://r1.internal',
      'redis://',
      'http://[::1',
      'redis://r_1.internal',
    ];
    for (const target of cases) {
      const message = refusal(target);
      expect(message.length).toBeLessThan(160);
      expect(message).not.toContain('hunter2secret');
      expect(message).not.toContain('aaaaaaaaaa');
    }
    expect(refusal('x'.repeat(10_000))).toBe(`target is longer than ${MAX_TARGET_CHARS} characters`);
    expect(refusal('gopher://internal:70/')).toMatch(/^target scheme "gopher" is not supported/);
    expect(refusal('redis://u:hunter2secret@r1.internal')).toBe(
      'target must not hold credentials; they come from multiTarget.credentialsFile',
    );
  });
});
