import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { buildSchema, parse, print, validate } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listeningUrl, runCli, type CliProcess } from './server/reliability-process';
import { asAdmin, dropDatabase, uniqueName, urlFor } from './support/scratch-database';

/*
 * A newcomer's walk through README.md (and the GraphQL blocks of docs/*.md), scripted: a fresh server on its
 * own data dir and an empty database (a fresh one on the suite's PostgreSQL: an embedded initdb takes tens of
 * seconds on a busy machine), then every GraphQL block and every shell block a reader runs, in order, with the ids the
 * README tells the reader to paste. A failure names the block (file:line). The server runs no worker:
 * the walkthrough's runs stay queued, so nothing is sent to the example hosts (tests reach only 127.0.0.1).
 */

const root = path.resolve(import.meta.dirname, '..');
type Block = { where: string; lang: 'graphql' | 'sh'; text: string };

function blocksOf(file: string, langs: Block['lang'][]): Block[] {
  const markdown = fs.readFileSync(path.join(root, file), 'utf8');
  return [...markdown.matchAll(/^```(graphql|sh)\n([\s\S]*?)^```/gm)]
    .filter((match) => langs.includes(match[1] as Block['lang']))
    .map((match) => ({ where: `${file}:${markdown.slice(0, match.index).split('\n').length}`, lang: match[1] as Block['lang'], text: match[2]! }));
}

// Setup the test does itself (start the server) or that needs what a test must not use (another database,
// other servers: tests reach only 127.0.0.1).
const notForTheWalk = (block: Block) =>
  /^\s*(npm (install|start|test)|DATABASE_URL=\S+ npm start)\s*$/m.test(block.text) || /https?:\/\/[\w.-]*example\.com/.test(block.text);

const docs = fs
  .readdirSync(path.join(root, 'docs'))
  .filter((file) => file.endsWith('.md'))
  .map((file) => `docs/${file}`);
const walk = [...blocksOf('README.md', ['graphql', 'sh']), ...docs.flatMap((file) => blocksOf(file, ['graphql']))].filter((block) => !notForTheWalk(block));

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tenantflow-readme-'));
const dbName = uniqueName('tf_readme');
let server: CliProcess;
let url: string;
let token: string;
let env: Record<string, string>;

async function freePort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as net.AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

beforeAll(async () => {
  await asAdmin((admin) => admin.query(`create database "${dbName}"`));
  env = { DATA_DIR: dataDir, PORT: String(await freePort()), DATABASE_URL: urlFor(dbName) };
  server = runCli(['serve', '--no-worker'], env);
  url = await listeningUrl(server, 45_000);
  token = /tf_[A-Za-z0-9_-]+/.exec(server.stdout())![0];
}, 60_000);
afterAll(async () => {
  server?.child.kill('SIGTERM');
  await server?.exited;
  fs.rmSync(dataDir, { recursive: true, force: true });
  await dropDatabase(dbName);
}, 30_000);

/** Ids seen in answers, by the type their global id names (`Customer`, `Instance`, …), newest last. */
const seen = new Map<string, string[]>();
/** The latest string answered under each field name: what the reader pastes into a variable of that name (`$planHash`). */
const lastField = new Map<string, string>();
function remember(value: unknown) {
  if (typeof value === 'string') {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const type = /^([A-Za-z]+):[0-9a-f-]{36}$/.exec(decoded)?.[1];
    if (type && Buffer.from(decoded).toString('base64') === value) seen.set(type, [...(seen.get(type) ?? []), value]);
  } else if (Array.isArray(value)) value.forEach(remember);
  else if (value && typeof value === 'object') {
    for (const [field, inner] of Object.entries(value)) if (typeof inner === 'string') lastField.set(field, inner);
    Object.values(value).forEach(remember);
  }
}
// The first one: what the reader picks from a list (the first flow of the complete example, the customer created first).
const idOfType = (type: string) => [...seen].find(([name]) => name === type || name.endsWith(type))?.[1][0];

/** What the reader pastes: `<Customer id>` placeholders, shortened example ids (`"Q3VzdG9tZXI6…"`), `<YAML>`. */
function pasted(text: string, where: string): string {
  return text
    .replace(/"<YAML>"/g, () => JSON.stringify(completeExample()))
    .replace(/<(\w+) id[^>]*>/g, (whole, type: string) => idOfType(type) ?? fail(`${where}: nothing in earlier answers gives ${whole}`))
    .replace(/"([A-Za-z0-9+/]+)…"/g, (whole, prefix: string) => {
      const type = Buffer.from(prefix.slice(0, prefix.length - (prefix.length % 4)), 'base64')
        .toString('utf8')
        .replace(/:.*$/, '');
      return JSON.stringify(idOfType(type) ?? fail(`${where}: nothing in earlier answers gives ${whole}`));
    });
}
const fail = (message: string): never => {
  throw new Error(message);
};
const completeExample = () => /```yaml\n([\s\S]*?)```/.exec(fs.readFileSync(path.join(root, 'docs/definition.md'), 'utf8'))![1]!;

async function runGraphQL(block: Block, schema: ReturnType<typeof buildSchema>) {
  const document = parse(block.text);
  const operations = document.definitions.filter((definition) => definition.kind === 'OperationDefinition');
  expect(
    operations.every((operation) => operation.name),
    `${block.where}: every operation is named, so GraphiQL can run the block as pasted`,
  ).toBe(true);
  expect(validate(schema, document).map(String), `${block.where}: valid against schema.graphql`).toEqual([]);
  for (const operation of operations) {
    const variables = Object.fromEntries(
      (operation.variableDefinitions ?? []).map((variable) => {
        const type = variable.variable.name.value === 'id' ? 'ExecutionResult' : variable.variable.name.value;
        const name = variable.variable.name.value;
        return [name, idOfType(type) ?? lastField.get(name) ?? fail(`${block.where}: no value for $${name}`)];
      }),
    );
    const response = await fetch(`${url}/api`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      // One operation at a time, as GraphiQL runs the one under the cursor: later ones may need this one's ids.
      body: JSON.stringify({ query: pasted(print(operation), block.where), variables }),
    });
    const body = (await response.json()) as { data?: unknown; errors?: unknown[] };
    expect(body.errors, `${block.where} ${operation.name!.value}`).toBeUndefined();
    remember(body.data);
  }
}

/** All shell blocks run in one bash, as one reader's terminal; each block ends with a marker. */
let shellOutput: string | null = null;
async function runShell(blocks: Block[]) {
  const script =
    blocks
      .map((block) => {
        const text = block.text
          .replaceAll('http://127.0.0.1:4000', url)
          .replace(/<token id>/g, '$FIRST_TOKEN_ID')
          .replace(/(^|\$\()npx tenantflow /gm, '$1node bin/tenantflow.js ');
        return `echo "@@start ${block.where}"\n${text}\necho "@@end ${block.where} $?"`;
      })
      .join('\n') + '\necho "@@token $TOKEN"';
  const tokens = JSON.parse(await cli(['token', 'list', '--json'])) as { id: string }[];
  // In the repository, as the reader is (`npx tenantflow`); files the blocks write (tickets.yaml) are removed after.
  const before = new Set(fs.readdirSync(root));
  const child = spawn('bash', ['-o', 'pipefail', '-c', script], {
    cwd: root,
    env: { ...process.env, ...env, LOG_LEVEL: 'warn', TOKEN: token, FIRST_TOKEN_ID: tokens.at(-1)!.id, NODE_OPTIONS: '' },
  });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
  await new Promise((resolve) => child.once('exit', resolve));
  for (const file of fs.readdirSync(root)) if (!before.has(file)) fs.rmSync(path.join(root, file), { recursive: true, force: true });
  shellOutput = out;
  // From here on the reader uses the token the README had them create (the first one was revoked).
  token = /@@token (tf_\S+)/.exec(out)?.[1] ?? token;
  for (const match of out.matchAll(/"([A-Za-z0-9+/]{20,}={0,2})"/g)) remember(match[1]);
}

async function cli(args: string[]): Promise<string> {
  const child = runCli(args, { ...env, LOG_LEVEL: 'warn' });
  await child.exited;
  return child.stdout();
}

describe('README walk', () => {
  it('runs every GraphQL and shell block in order', async () => {
    const schema = buildSchema(fs.readFileSync(path.join(root, 'schema.graphql'), 'utf8'));
    const inReadme = (block: Block) => block.where.startsWith('README.md');
    for (const block of walk.filter((b) => b.lang === 'graphql' && inReadme(b))) await runGraphQL(block, schema);
    const shell = walk.filter((block) => block.lang === 'sh');
    await runShell(shell);
    // The reader of docs/fan-out.md pastes the id of a run from their list of runs.
    await runGraphQL({ where: 'README walk: list of runs', lang: 'graphql', text: 'query Runs { executionResults(first: 1) { nodes { id } } }' }, schema);
    for (const block of walk.filter((b) => b.lang === 'graphql' && !inReadme(b))) await runGraphQL(block, schema);
    for (const block of shell) {
      const section = shellOutput!.slice(shellOutput!.indexOf(`@@start ${block.where}`), shellOutput!.indexOf(`@@end ${block.where}`) + 200);
      expect(section, `${block.where} ran`).toContain(`@@end ${block.where} 0`);
      expect(section, `${block.where}: no GraphQL error`).not.toMatch(/"errors":\[\{"message"/);
    }
  }, 120_000);
});
