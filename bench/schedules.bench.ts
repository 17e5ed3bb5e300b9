/**
 * The scheduler's tick with 10,000 deployed scheduled instances: SQL statements and time of one
 * `fireDueSchedules` on a pool whose every statement is counted, with 0, 10 and 100 schedules due. The
 * instances, their customers and their `flow_schedules` rows (what deploying writes: a yearly cron, next run
 * next 1 January) are inserted in bulk; a case makes N rows due by moving their next run a minute back.
 *
 * Baseline, same run and data: what the tick did before schedules were rows: read every enabled, deployed
 * instance with its definition (one statement, 10,000 rows) and evaluate every scheduled flow's cron in
 * the process, due or not; then one transaction per due run (begin, insert execution, add job, commit).
 */
import { performance } from 'node:perf_hooks';
import { inArray, sql } from 'drizzle-orm';
import { connectDatabase } from '../src/db/client';
import { customers, flowSchedules, instances } from '../src/db/tables';
import { importIntegration } from '../src/domain/integrations/integrations';
import { publishIntegration } from '../src/domain/integrations/versions';
import { nextCronTick } from '../src/domain/integrations/definition';
import { fireDueSchedules } from '../src/execution/schedules';
import { BenchmarkFailure, fmt, seedOrganization, table, type BenchEnv } from './support';

const INSTANCES = 10_000;
const DUE_CASES = [0, 10, 100];
const CHUNK = 1_000;
/** Never due while the benchmark runs (unless it runs at midnight on 1 January). */
const CRON = '0 0 1 1 *';
const MINUTE = 60_000;

const DEFINITION = `
name: Bench schedules
stableKey: bench-schedules
flows:
  - name: Yearly
    stableKey: yearly
    trigger: { type: schedule, cron: "${CRON}" }
    steps:
      - name: Note
        type: set-variables
        variables: { at: "tick" }
`;

export async function run(env: BenchEnv) {
  const db = env.database.db;
  const org = await seedOrganization(env, 'bench-schedules');
  const { integration } = await importIntegration(db, env.vault, org.admin, { definition: DEFINITION });
  const version = await publishIntegration(db, org.admin, integration.id, {});
  const nextRunAt = nextCronTick(CRON, new Date(), 'UTC');

  const scheduleIds: string[] = [];
  for (let start = 0; start < INSTANCES; start += CHUNK) {
    const size = Math.min(CHUNK, INSTANCES - start);
    const customerRows = await db
      .insert(customers)
      .values(Array.from({ length: size }, (_, i) => ({ orgId: org.orgId, name: `Scheduled ${start + i}`, externalId: `sched-${start + i}` })))
      .returning({ id: customers.id });
    const instanceRows = await db
      .insert(instances)
      .values(
        customerRows.map((customer, i) => ({
          orgId: org.orgId,
          integrationId: integration.id,
          customerId: customer.id,
          name: `Scheduled ${start + i}`,
          deployedVersionId: version.id,
          lastDeployedAt: new Date(),
        })),
      )
      .returning({ id: instances.id, customerId: instances.customerId });
    const rows = await db
      .insert(flowSchedules)
      .values(
        instanceRows.map((instance) => ({
          orgId: org.orgId,
          integrationId: integration.id,
          instanceId: instance.id,
          customerId: instance.customerId,
          versionId: version.id,
          flowStableKey: 'yearly',
          cron: CRON,
          timeZone: 'UTC',
          nextRunAt,
        })),
      )
      .returning({ id: flowSchedules.id });
    scheduleIds.push(...rows.map((row) => row.id));
  }
  const [{ due: alreadyDue } = { due: 0 }] = (
    await db.execute<{ due: number }>(sql`select count(*)::int as due from ${flowSchedules} where next_run_at <= now()`)
  ).rows;
  if (alreadyDue > 0) throw new BenchmarkFailure(`${alreadyDue} schedules of other benchmarks are due; the counts would include them`);
  console.log(`${fmt(INSTANCES, 0)} deployed instances of one integration, each with one scheduled flow ("${CRON}")\n`);

  let statements: string[] = [];
  const counted = connectDatabase(env.databaseUrl, { max: 2, onQuery: (text) => statements.push(text) });
  const results: (string | number)[][] = [];
  let listed = '';
  try {
    // A first tick opens the pool's connection, which the counted ticks should not pay for.
    await fireDueSchedules(counted.db, new Date());
    let offset = 0;
    for (const due of DUE_CASES) {
      const now = new Date();
      const ids = scheduleIds.slice(offset, offset + due);
      offset += due;
      if (ids.length > 0)
        await db
          .update(flowSchedules)
          .set({ nextRunAt: new Date(now.getTime() - MINUTE) })
          .where(inArray(flowSchedules.id, ids));
      statements = [];
      const t0 = performance.now();
      const fired = await fireDueSchedules(counted.db, now);
      const ms = performance.now() - t0;
      if (fired !== due) throw new BenchmarkFailure(`${due} due, ${fired} started`);
      results.push([due, statements.length, 1 + 4 * due, fmt(ms, 1)]);
      if (due === 10) listed = kinds(statements);
    }
  } finally {
    await counted.close();
  }
  console.log('one tick (fireDueSchedules) now:');
  console.log(table(['due', 'SQL statements', 'before: 1 + 4 per due run', 'ms'], results));
  console.log(`\nstatements of the tick with 10 due, by kind:\n${listed}\n`);

  // The old tick's read and cron evaluation over the same rows.
  const t0 = performance.now();
  const old = await db.execute<{ definition: { flows: { trigger: { cron?: string } }[] } }>(
    sql`select i.*, v.definition, v.id as version_id, v.version_number from instances i join integration_versions v on v.id = i.deployed_version_id where i.enabled and i.deployed_version_id is not null`,
  );
  const readMs = performance.now() - t0;
  const t1 = performance.now();
  const windowStart = new Date(Date.now() - MINUTE);
  for (const row of old.rows) for (const flow of row.definition.flows) if (flow.trigger.cron) nextCronTick(flow.trigger.cron, windowStart, 'UTC');
  const evaluateMs = performance.now() - t1;
  console.log('before (every process, every 15 s, whatever is due):');
  console.log(
    table(
      ['rows read', 'read ms', 'cron evaluations', 'evaluate ms', 'SQL statements'],
      [[fmt(old.rows.length, 0), fmt(readMs, 1), fmt(old.rows.length, 0), fmt(evaluateMs, 1), '1 + 4 per due run (begin, insert, add_job, commit)']],
    ),
  );
  if (old.rows.length < INSTANCES) throw new BenchmarkFailure(`the old read saw ${old.rows.length} instances`);
}

/** Statements grouped by their first words, with counts: the shape of a tick. */
function kinds(statements: string[]): string {
  const counts = new Map<string, number>();
  for (const text of statements) {
    const kind = text.replace(/\s+/g, ' ').trim().split(' ').slice(0, 3).join(' ').slice(0, 60);
    counts.set(kind, (counts.get(kind) ?? 0) + 1);
  }
  return [...counts].map(([kind, count]) => `  ${String(count).padStart(3)} × ${kind}`).join('\n');
}
