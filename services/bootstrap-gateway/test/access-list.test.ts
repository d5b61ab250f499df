// CIDR access lists (IPv4 and IPv6, node:net BlockList) and grpc-js peer strings.
import { AccessList, parseCidrList, peerAddress } from '../src/access-list';

describe('access lists', () => {
  test('peer strings of grpc-js become addresses; IPv4-mapped IPv6 becomes IPv4', () => {
    expect(peerAddress('127.0.0.1:50123')).toBe('127.0.0.1');
    expect(peerAddress('ipv4:10.1.2.3:443')).toBe('10.1.2.3');
    expect(peerAddress('[::1]:50123')).toBe('::1');
    expect(peerAddress('ipv6:[2001:db8::7]:1')).toBe('2001:db8::7');
    expect(peerAddress('[::ffff:192.0.2.9]:80')).toBe('192.0.2.9');
    expect(peerAddress('unix:/tmp/sock')).toBeUndefined();
  });

  test('deny wins, a non-empty allow list admits only its networks, empty lists admit all', () => {
    const list = new AccessList(
      ['10.0.0.0/8', '2001:db8::/32'],
      ['10.9.0.0/16', '2001:db8:bad::1'],
    );
    expect(list.permits('10.1.2.3')).toBe(true);
    expect(list.permits('10.9.0.1')).toBe(false);
    expect(list.permits('192.0.2.1')).toBe(false);
    expect(list.permits('2001:db8::5')).toBe(true);
    expect(list.permits('2001:db8:bad::1')).toBe(false);
    expect(list.permits('::1')).toBe(false);
    expect(list.permits(undefined)).toBe(false);
    const open = new AccessList([], []);
    expect(open.permits('203.0.113.5')).toBe(true);
    expect(open.permits(undefined)).toBe(true);
    const denyOnly = new AccessList([], ['0.0.0.0/0']);
    expect(denyOnly.permits('8.8.8.8')).toBe(false);
    expect(denyOnly.permits('::1')).toBe(true);
  });

  test('bad entries are refused with the entry named', () => {
    expect(() => parseCidrList(['10.0.0.0/33'])).toThrow(/10\.0\.0\.0\/33/);
    expect(() => parseCidrList(['::/129'])).toThrow(/::\/129/);
    expect(() => parseCidrList(['example.com'])).toThrow(/example\.com/);
    expect(() => parseCidrList(['10.0.0.0/x'])).toThrow(/prefix/);
  });
});
