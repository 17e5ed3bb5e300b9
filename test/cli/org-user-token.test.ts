import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { createHarness, gql } from '../support/harness';
import { seedOrg } from '../support/seed';
import { tenantflow } from './cli-process';

// Child processes against the suite's database: other tests' organizations exist too, so every command names
// its organization, as an operator of a multi-organization deployment does.
const env = () => ({ DATABASE_URL: inject('databaseUrl'), TENANTFLOW_MASTER_KEY: inject('masterKey') });

const h = createHarness();
afterAll(() => h.close());
const graphql = (token: string, query: string) => gql(h.app, query, {}, token);

describe('tenantflow org / user / token', () => {
  it('creates and lists organizations, adds a member with a token that works, and lists and revokes tokens', async () => {
    const name = `cli-org-${randomUUID().slice(0, 8)}`;
    const created = await tenantflow(['org', 'create', '--name', name, '--admin-email', `boss@${name}.test`, '--json'], env());
    expect(created).toMatchObject({ code: 0, stderr: '' });
    const org = JSON.parse(created.stdout) as { id: string; name: string; admin: { email: string; role: string } };
    expect(org).toMatchObject({ name, admin: { email: `boss@${name}.test`, role: 'admin' } });

    // Independent commands run side by side: each child process costs seconds of tsx start-up on a busy machine.
    const [again, listed, member, badRole, adminToken] = await Promise.all([
      tenantflow(['org', 'create', '--name', name, '--admin-email', `other@${name}.test`], env()),
      tenantflow(['org', 'list'], env()),
      // The organization named by name: the member's token alone on stdout, its id on stderr.
      tenantflow(['user', 'create', '--org', name, '--role', 'member', '--email', `max@${name}.test`], env()),
      tenantflow(['user', 'create', '--org', org.id, '--role', 'owner', '--email', 'not-an-email'], env()),
      // `TOKEN=$(tenantflow token create ...)` captures exactly the token.
      tenantflow(['token', 'create', '--org', org.id, '--name', 'ci'], env()),
    ]);
    expect(again).toMatchObject({ code: 2, stdout: '', stderr: '--name: An organization with this name already exists.\n' });
    expect(listed.code).toBe(0);
    const lines = listed.stdout.trim().split('\n');
    expect(lines[0]).toBe('ID\tNAME\tUSERS\tCREATED');
    expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^${org.id}\\t${name}\\t[12]\\t\\d{4}-`)));

    expect(member.code).toBe(0);
    expect(member.stdout).toMatch(/^tf_[\w-]+\n$/);
    const memberTokenId = /token id ([0-9a-f-]{36})/.exec(member.stderr)?.[1];
    expect(memberTokenId).toBeDefined();
    const memberToken = member.stdout.trim();
    expect((await graphql(memberToken, '{ authenticatedUser { email role { name } org { name } } }')).data).toEqual({
      authenticatedUser: { email: `max@${name}.test`, role: { name: 'Member' }, org: { name } },
    });

    expect(badRole).toMatchObject({ code: 2, stdout: '' });
    expect(badRole.stderr.split('\n').filter(Boolean).sort()).toEqual(['--email: Must be an e-mail address.', '--role: Must be one of: admin, member.']);

    expect(adminToken.code).toBe(0);
    expect(adminToken.stdout).toMatch(/^tf_[\w-]+\n$/);
    const adminTokenId = /Token id ([0-9a-f-]{36})/.exec(adminToken.stderr)?.[1];
    expect(adminTokenId).toBeDefined();

    const list = await tenantflow(['token', 'list', '--org', org.id, '--json'], env());
    expect(list.code).toBe(0);
    expect(list.stdout).not.toContain(adminToken.stdout.trim());
    expect(list.stdout).not.toContain(memberToken);
    const tokens = JSON.parse(list.stdout) as { id: string; name: string; revokedAt: string | null }[];
    expect(tokens.map((t) => t.id).sort()).toEqual([adminTokenId, memberTokenId].sort());

    const [revoked, unknown] = await Promise.all([
      tenantflow(['token', 'revoke', memberTokenId!, '--org', org.id], env()),
      tenantflow(['token', 'revoke', 'nope', '--org', org.id], env()),
    ]);
    expect(revoked).toMatchObject({ code: 0, stdout: `revoked "first token" (${memberTokenId})\n` });
    const rejected = await graphql(memberToken, '{ authenticatedUser { email } }');
    expect(rejected.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');

    const table = await tenantflow(['token', 'list', '--org', name], env());
    const memberRow = table.stdout.split('\n').find((line) => line.startsWith(memberTokenId!));
    expect(memberRow?.split('\t')[5]).toMatch(/^\d{4}-/);

    expect(unknown).toMatchObject({ code: 2, stdout: '', stderr: '<id>: "nope" is not a token id; `tenantflow token list` shows them.\n' });
  }, 120_000);

  it('refuses to guess the organization when several exist', async () => {
    await seedOrg(h.database.db);
    await seedOrg(h.database.db);
    const result = await tenantflow(['token', 'create'], env());
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^--org: Several organizations exist; name one with --org: /);
  }, 60_000);
});
