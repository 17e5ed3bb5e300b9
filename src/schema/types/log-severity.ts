import { LOG_SEVERITIES, type LogSeverityLevel } from '../../domain/executions/log-severities';
import { builder } from '../builder';

const LogSeverity = builder.objectRef<LogSeverityLevel>('LogSeverity').implement({
  description: 'A severity of execution log lines, lowest first.',
  fields: (t) => ({
    id: t.exposeInt('id'),
    name: t.exposeString('name'),
  }),
});

builder.queryField('logSeverityLevels', (t) =>
  t.field({ type: [LogSeverity], description: 'The severities execution logs use (prism logs:severities:list).', resolve: () => [...LOG_SEVERITIES] }),
);
