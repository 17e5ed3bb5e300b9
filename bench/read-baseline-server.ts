/**
 * Child process: the reads benchmark's baseline server (PostGraphile v5 needs Node ≥ 22.15; this machine runs
 * Node 20). It answers each POST with the same JSON the API answers for one query shape, from one SQL
 * statement (what PostGraphile compiles a query to), and checks no token. The parent picks the shape and
 * organization with each request; the reply is the server's URL (127.0.0.1).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { encodeGlobalId } from '../src/lib/global-id';
import { serveParent } from './child';

export type BaselineShape = 'typename' | 'customerByExternalId' | 'valuesPage' | 'valuesWithParents';
export type BaselineRequest = { shape: BaselineShape; orgId: string; size: number };

const pool = new pg.Pool({ connectionString: process.argv[2], max: 10 });
pool.on('error', () => {});

const answers: Record<BaselineShape, (orgId: string, size: number) => Promise<unknown>> = {
  typename: async () => ({ __typename: 'Query' }),
  customerByExternalId: async (orgId, size) => {
    const { rows } = await pool.query('select id, name, external_id from customers where org_id = $1 and external_id = $2', [orgId, `c-${size - 1}`]);
    return { customers: { nodes: rows.map((r) => ({ id: encodeGlobalId('Customer', r.id), name: r.name, externalId: r.external_id })) } };
  },
  valuesPage: async (orgId) => {
    const { rows } = await pool.query('select id, key, is_test from customer_config_variables where org_id = $1 order by created_at, id limit 50', [orgId]);
    return { customerConfigVariables: { nodes: rows.map((r) => ({ id: encodeGlobalId('CustomerConfigVariable', r.id), key: r.key, isTest: r.is_test })) } };
  },
  valuesWithParents: async (orgId) => {
    const { rows } = await pool.query(
      `select coalesce(json_agg(json_build_object('id', v.id, 'customer', json_build_object('id', c.id, 'name', c.name, 'externalId', c.external_id),
         'scopedConfigVariable', json_build_object('id', s.id, 'key', s.key, 'stableKey', s.stable_key)) order by v.created_at, v.id), '[]') as nodes
       from (select * from customer_config_variables where org_id = $1 order by created_at, id limit 50) v
       join customers c on c.id = v.customer_id join scoped_config_variables s on s.id = v.scoped_config_variable_id`,
      [orgId],
    );
    return { customerConfigVariables: { nodes: rows[0].nodes } };
  },
};

let current: BaselineRequest = { shape: 'typename', orgId: '', size: 0 };
const server = http.createServer((request, response) => {
  let body = '';
  request.on('data', (chunk) => (body += chunk));
  request.on('end', async () => {
    JSON.parse(body);
    const data = await answers[current.shape](current.orgId, current.size);
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ data }));
  });
});
server.listen(0, '127.0.0.1', () => {
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  serveParent<BaselineRequest, { url: string }>(async (request) => {
    current = request;
    return { url };
  });
});
