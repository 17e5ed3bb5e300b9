import type { SyncPlan } from '../domain/sync/plan';

/** Colours only for a terminal, and never when NO_COLOR is set (https://no-color.org). */
export function palette(stream: NodeJS.WriteStream) {
  const on = stream.isTTY === true && !process.env.NO_COLOR;
  const paint = (code: number) => (text: string) => (on ? `\u001b[${code}m${text}\u001b[0m` : text);
  return { green: paint(32), yellow: paint(33), red: paint(31), dim: paint(2), bold: paint(1) };
}

const SIGNS = { CREATE: '+', UPDATE: '~', UNCHANGED: '=', BLOCKED: '!' } as const;

/** The plan as a table: one line per object (sign, kind, key, changed fields), then problems and notes. */
export function formatPlan(plan: SyncPlan, target: string, colour: ReturnType<typeof palette>): string {
  const paintAction = { CREATE: colour.green, UPDATE: colour.yellow, UNCHANGED: colour.dim, BLOCKED: colour.red } as const;
  const kindWidth = Math.max(0, ...plan.items.map((item) => item.kind.length));
  const keyWidth = Math.max(0, ...plan.items.map((item) => item.key.length));
  const lines = [colour.bold(`Plan for ${target}`)];
  for (const item of plan.items) {
    const kind = item.kind.toLowerCase().replace('_', ' ').padEnd(kindWidth);
    const fields = item.fields.length > 0 ? `  ${item.fields.join(', ')}` : '';
    lines.push(paintAction[item.action](`  ${SIGNS[item.action]} ${kind}  ${item.key.padEnd(keyWidth)}${fields}`.trimEnd()));
  }
  if (plan.problems.length > 0) {
    lines.push('', colour.red(colour.bold(`Problems that stop the apply (${plan.problems.length}):`)));
    for (const problem of plan.problems) lines.push(colour.red(`  ${problem.kind}  ${problem.object}: ${problem.message}`));
  }
  const notes = plan.items.flatMap((item) => item.notes.map((note) => `  ${item.kind.toLowerCase()} ${item.key}: ${note}`));
  if (notes.length > 0) lines.push('', 'To do in the target after the apply:', ...notes);
  const count = (action: keyof typeof SIGNS) => plan.items.filter((item) => item.action === action).length;
  lines.push('', `${count('CREATE')} to create, ${count('UPDATE')} to update, ${count('UNCHANGED')} unchanged, ${count('BLOCKED')} blocked.`);
  return `${lines.join('\n')}\n`;
}
