/**
 * Finding 6: flows reached the server's own API, its database port and any loopback or private address.
 * Every outgoing request now passes one client whose connections are checked on the resolved address.
 * Only loopback ever receives traffic here: other ranges are checked by the address check alone.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config';
import { EGRESS_REFUSED_MESSAGE, EgressRefused, egressPolicy, isPublicAddress } from '../../src/execution/http/egress-policy';
import { outgoingHttp, type OutgoingHttp } from '../../src/execution/http/outgoing-http';
import { clientCredentialsToken } from '../../src/execution/credentials/oauth2-client-credentials';
import { callConnector } from '../../src/execution/steps/call-connector';

/** One handler on 127.0.0.1 and ::1, same port, counting TCP connections as they are accepted. */
type LoopbackFake = { port: number; connections: () => number; close: () => Promise<void> };

async function startLoopbackFake(): Promise<LoopbackFake> {
  let connections = 0;
  const handler: http.RequestListener = (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain', connection: 'close' });
    res.end('reached');
  };
  const listen = (server: http.Server, host: string, port: number) =>
    new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
    });
  for (let tries = 0; tries < 5; tries++) {
    const v4 = http.createServer(handler);
    const v6 = http.createServer(handler);
    for (const server of [v4, v6]) server.on('connection', () => connections++);
    const port = await listen(v4, '127.0.0.1', 0);
    try {
      await listen(v6, '::1', port);
    } catch {
      await new Promise((resolve) => v4.close(resolve));
      continue;
    }
    const close = async () => {
      for (const server of [v4, v6]) {
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
      }
    };
    return { port, connections: () => connections, close };
  }
  throw new Error('no port free on both 127.0.0.1 and ::1 after 5 tries');
}

async function portNobodyListensOn(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

let fake: LoopbackFake;
const clients: OutgoingHttp[] = [];
const client = (egressAllow: string[], resolve?: (hostname: string) => Promise<string[]>) => {
  const created = outgoingHttp({ egressAllow, maxResponseBytes: 1024 * 1024 }, { resolve });
  clients.push(created);
  return created;
};

beforeAll(async () => {
  fake = await startLoopbackFake();
});
afterAll(async () => {
  for (const c of clients) await c.close();
  await fake.close();
});

const loopbackUrls = () => ['127.0.0.1', '2130706433', '[::1]', 'localhost'].map((host) => `http://${host}:${fake.port}/probe`);

describe('the default policy refuses loopback before any connection', () => {
  it('127.0.0.1, 2130706433, [::1] and localhost: one identical refusal, and the fake saw no connection', async () => {
    const guarded = client([]);
    const before = fake.connections();
    const refusals: unknown[] = [];
    for (const url of loopbackUrls()) refusals.push(await guarded.fetch(url, {}).catch((error: Error) => error));
    for (const refusal of refusals) expect(refusal).toBeInstanceOf(EgressRefused);
    expect(new Set(refusals.map((refusal) => (refusal as Error).message))).toEqual(new Set([EGRESS_REFUSED_MESSAGE]));
    expect(fake.connections()).toBe(before);
  });

  it('other spellings of loopback (hex, octal, short, IPv4-mapped) are refused the same way', async () => {
    const guarded = client([]);
    const before = fake.connections();
    for (const host of ['0x7f000001', '0177.0.0.1', '127.1', '[::ffff:127.0.0.1]', '[::ffff:7f00:1]']) {
      const error = (await guarded.fetch(`http://${host}:${fake.port}/`, {}).catch((e: Error) => e)) as Error;
      expect(error.message, host).toBe(EGRESS_REFUSED_MESSAGE);
    }
    expect(fake.connections()).toBe(before);
  });

  it('a step gets the refusal as its error at the first attempt, with no retry and nothing about the port', async () => {
    const guarded = client([]);
    const result = await callConnector(
      guarded,
      {
        method: 'GET',
        url: `http://127.0.0.1:${fake.port}/records?api_key=k`,
        displayUrl: `http://127.0.0.1:${fake.port}/records`,
        headers: {},
        body: undefined,
        credentialMaterial: [],
      },
      {
        idempotencyKey: 'k',
        timeoutMs: 2_000,
        maxAttempts: 4,
        retryBaseMs: 1,
      },
    );
    expect(result).toEqual({ ok: false, status: null, attempts: 1, error: `${EGRESS_REFUSED_MESSAGE} (GET http://127.0.0.1:${fake.port}/records)` });
    // A closed port answers exactly the same: refused before connecting, so nothing tells open from closed.
    const closedPort = await portNobodyListensOn();
    const closed = await callConnector(
      guarded,
      {
        method: 'GET',
        url: `http://127.0.0.1:${closedPort}/records`,
        displayUrl: `http://127.0.0.1:${closedPort}/records`,
        headers: {},
        body: undefined,
        credentialMaterial: [],
      },
      { idempotencyKey: 'k', timeoutMs: 2_000, maxAttempts: 4, retryBaseMs: 1 },
    );
    expect(closed).toEqual({ ok: false, status: null, attempts: 1, error: `${EGRESS_REFUSED_MESSAGE} (GET http://127.0.0.1:${closedPort}/records)` });
  });

  it('OAuth2 token requests take the same way out: a loopback token URL is refused unconnected', async () => {
    const before = fake.connections();
    const inputs = { tokenUrl: `http://127.0.0.1:${fake.port}/token`, clientId: 'c', clientSecret: 's' };
    const refusal = await clientCredentialsToken('egress-test-credential', inputs, { timeoutMs: 2_000, http: client([]) }).catch((error: Error) => error);
    expect(refusal).toBeInstanceOf(EgressRefused);
    expect((refusal as Error).message).toBe(EGRESS_REFUSED_MESSAGE);
    expect(fake.connections()).toBe(before);
  });
});

describe('EGRESS_ALLOW admits listed hosts and networks', () => {
  it('the same four URLs reach the fake when 127.0.0.1, ::1 and localhost are allowed', async () => {
    const allowed = client(loadConfig({ EGRESS_ALLOW: '127.0.0.1,::1,localhost' }).engine.egressAllow as string[]);
    const before = fake.connections();
    for (const url of loopbackUrls()) {
      const response = await allowed.fetch(url, {});
      expect(await response.text(), url).toBe('reached');
    }
    expect(fake.connections()).toBe(before + 4);
  });

  it('a CIDR admits every numeric form of its addresses; a host name entry admits that name only', async () => {
    const byCidr = client(['127.0.0.0/8']);
    expect((await byCidr.fetch(`http://2130706433:${fake.port}/`, {})).status).toBe(200);
    const byName = client(['localhost']);
    expect((await byName.fetch(`http://localhost:${fake.port}/`, {})).status).toBe(200);
    const before = fake.connections();
    const error = (await byName.fetch(`http://127.0.0.1:${fake.port}/`, {}).catch((e: Error) => e)) as Error;
    expect(error).toBeInstanceOf(EgressRefused);
    expect(fake.connections()).toBe(before);
  });

  it('bad entries stop the start with an error naming EGRESS_ALLOW; the defaults are empty and 10 MB', () => {
    expect(() => loadConfig({ EGRESS_ALLOW: '127.0.0.1,http://intranet,10.0.0.0/33' })).toThrow(ConfigError);
    try {
      loadConfig({ EGRESS_ALLOW: '127.0.0.1,http://intranet,10.0.0.0/33' });
    } catch (error) {
      expect((error as ConfigError).problems).toEqual([
        expect.stringMatching(/^EGRESS_ALLOW: "http:\/\/intranet" is neither a host name, an IP address nor a CIDR/),
        expect.stringMatching(/^EGRESS_ALLOW: "10\.0\.0\.0\/33" is neither/),
      ]);
    }
    expect(loadConfig({}).engine).toMatchObject({ egressAllow: [], maxResponseBytes: 10 * 1024 * 1024 });
    expect(loadConfig({ EGRESS_ALLOW: ' erp.corp.example , 10.0.0.0/8 ' }).engine.egressAllow).toEqual(['erp.corp.example', '10.0.0.0/8']);
  });
});

describe('names are checked on what they resolve to, at every connection (DNS rebinding)', () => {
  it('a name resolving to a private address is refused without connecting', async () => {
    const asked: string[] = [];
    const guarded = client([], async (hostname) => {
      asked.push(hostname);
      return ['10.0.0.1'];
    });
    const error = (await guarded.fetch('http://internal.rebind.test/', {}).catch((e: Error) => e)) as Error;
    expect(error).toBeInstanceOf(EgressRefused);
    expect(asked).toEqual(['internal.rebind.test']);
  });

  it('one private address among public ones refuses the name', () => {
    expect(egressPolicy([]).allows('mixed.test', ['8.8.8.8', '192.168.1.1'])).toBe(false);
    expect(egressPolicy([]).allows('public.test', ['8.8.8.8', '2606:4700:4700::1111'])).toBe(true);
    expect(egressPolicy([]).allows('nothing.test', [])).toBe(false);
  });

  it('the connection goes to the address that was checked; a later answer pointing elsewhere is refused', async () => {
    // An allowed answer first, then a private one: every new connection resolves and checks again.
    const answers = [['127.0.0.1'], ['192.168.1.1']];
    const guarded = client(['127.0.0.1'], async () => answers.shift() ?? []);
    const before = fake.connections();
    expect(await (await guarded.fetch(`http://rebind.test:${fake.port}/`, {})).text()).toBe('reached');
    const error = (await guarded.fetch(`http://rebind.test:${fake.port}/`, {}).catch((e: Error) => e)) as Error;
    expect(error).toBeInstanceOf(EgressRefused);
    expect(fake.connections()).toBe(before + 1);
  });
});

describe('the address check alone (no request is sent to these)', () => {
  const refused = [
    '10.0.0.1',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.1.1',
    '100.64.0.1',
    '100.127.255.255',
    '127.0.0.1',
    '127.255.255.254',
    '169.254.169.254',
    '169.254.0.1',
    '0.0.0.0',
    '0.1.2.3',
    '255.255.255.255',
    '224.0.0.1',
    '239.255.255.250',
    '240.0.0.1',
    '192.0.0.1',
    '192.0.2.1',
    '198.18.0.1',
    '198.51.100.1',
    '203.0.113.1',
    '::',
    '::1',
    'fd00::1',
    'fd00:ec2::254',
    'fc00::1',
    'fe80::1',
    'fe80::1%eth0',
    'febf::1',
    'fec0::1',
    'ff02::1',
    'ff0e::1',
    '::ffff:10.0.0.1',
    '::ffff:127.0.0.1',
    '::ffff:7f00:1',
    '::ffff:169.254.169.254',
    '::ffff:0.0.0.0',
    '::127.0.0.1',
    '64:ff9b::a00:1',
    '64:ff9b::169.254.169.254',
    '64:ff9b:1::1',
    '2002:a00:1::1',
    '2002:7f00:1::',
    '2001::1',
    '2001:db8::1',
    '100::1',
    'not-an-address',
    '',
  ];
  const allowed = [
    '8.8.8.8',
    '1.1.1.1',
    '172.32.0.1',
    '100.128.0.1',
    '11.0.0.1',
    '2606:4700:4700::1111',
    '2a00:1450::1',
    '::ffff:8.8.8.8',
    '64:ff9b::808:808',
    '2002:808:808::1',
  ];

  it.each(refused)('%s is not public', (address) => {
    expect(isPublicAddress(address)).toBe(false);
    expect(egressPolicy([]).allows('example.test', [address])).toBe(false);
  });

  it.each(allowed)('%s is public', (address) => {
    expect(isPublicAddress(address)).toBe(true);
  });

  it('numeric spellings of loopback and metadata are normalized by the URL parser before the check', () => {
    const hostnames = ['2130706433', '0x7f.1', '0177.0.0.1', '127.1', '0xa9fea9fe', '[::ffff:a9fe:a9fe]', '[0:0:0:0:0:ffff:127.0.0.1]'].map(
      (host) => new URL(`http://${host}/`).hostname,
    );
    expect(hostnames).toEqual(['127.0.0.1', '127.0.0.1', '127.0.0.1', '127.0.0.1', '169.254.169.254', '[::ffff:a9fe:a9fe]', '[::ffff:7f00:1]']);
    for (const hostname of hostnames) expect(egressPolicy([]).allows(hostname, [hostname])).toBe(false);
  });

  it('an allowed network also admits its IPv4-mapped and NAT64 forms, and nothing next to it', () => {
    const policy = egressPolicy(['10.0.0.0/8', 'fd12::/16']);
    for (const address of ['10.1.2.3', '::ffff:10.1.2.3', '64:ff9b::a01:203', 'fd12::1']) expect(policy.allows('onprem.test', [address])).toBe(true);
    for (const address of ['192.168.0.1', '172.16.0.1', 'fd13::1', '169.254.169.254', '::ffff:127.0.0.1'])
      expect(policy.allows('onprem.test', [address])).toBe(false);
  });
});
