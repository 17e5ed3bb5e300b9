import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { buildConnector } from 'undici';
import { EgressRefused, type EgressPolicy } from './egress-policy';

/** Every address a host name resolves to; injectable so a test can play a rebinding DNS server. */
export type ResolveHost = (hostname: string) => Promise<string[]>;

const systemResolve: ResolveHost = async (hostname) => (await dnsLookup(hostname, { all: true, verbatim: true })).map((a) => a.address);

/**
 * An undici connector that resolves the host itself, checks every address against the policy and connects
 * to a checked address, so the name cannot resolve elsewhere between check and connect (DNS rebinding).
 * A refused destination gets no socket at all: nothing tells a flow which ports are open behind it.
 */
export function guardedConnector(policy: EgressPolicy, resolve: ResolveHost = systemResolve): buildConnector.connector {
  const connect = buildConnector({});
  return (options, callback) => {
    addressesOf(options.hostname, resolve).then(
      (addresses) => {
        if (!policy.allows(options.hostname, addresses)) return callback(new EgressRefused(), null);
        // `host` keeps the original name, from which undici takes the TLS servername for SNI and the certificate check.
        connect({ ...options, hostname: addresses[0]! }, callback);
      },
      (error: Error) => callback(error, null),
    );
  };
}

// Node skips the lookup for IP literals, so they are checked as they are.
async function addressesOf(hostname: string, resolve: ResolveHost): Promise<string[]> {
  return isIP(hostname) ? [hostname] : resolve(hostname);
}
