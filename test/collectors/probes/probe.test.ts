import type { PeerCertificate } from 'node:tls';
import { parseTargetText } from '../../../src/config/targets';
import { earliestExpiry } from '../../../src/collectors/probes/probe';

type Cert = PeerCertificate & { issuerCertificate?: Cert };
const cert = (validTo: string, issuer?: Cert): Cert => ({ valid_to: validTo, issuerCertificate: issuer }) as Cert;

describe('probe helpers', () => {
  test('earliest expiry walks the chain and stops at a self-signed root', () => {
    const root = cert('Jan  1 00:00:00 2035 GMT');
    root.issuerCertificate = root;
    const intermediate = cert('Jun  1 00:00:00 2027 GMT', root);
    const leaf = cert('Dec 31 23:59:59 2027 GMT', intermediate);
    expect(earliestExpiry(leaf)).toBe(Date.parse('2027-06-01T00:00:00Z') / 1000);
    expect(earliestExpiry(root)).toBe(Date.parse('2035-01-01T00:00:00Z') / 1000);
    expect(earliestExpiry(undefined)).toBeUndefined();
    expect(earliestExpiry({} as Cert)).toBeUndefined();
  });

  test.each([
    ['api=https://api/health', { name: 'api', url: 'https://api/health' }],
    [' worker = http://w:3000/h?x=1 ', { name: 'worker', url: 'http://w:3000/h?x=1' }],
    ['https://no-name/health', { name: '', url: 'https://no-name/health' }],
  ])('parseTargetText(%p)', (text, expected) => {
    expect(parseTargetText(text)).toEqual(expected);
  });
});
