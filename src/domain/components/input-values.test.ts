import { expect, it } from 'vitest';
import { missingRequiredInputs, withInputDefaults } from './input-values';
import type { InputFieldDefinition } from './types';

it('fills defaults, drops undeclared values and lists missing required inputs', () => {
  const fields: InputFieldDefinition[] = [
    { key: 'host', label: 'Host', type: 'STRING', required: true, shown: true },
    { key: 'port', label: 'Port', type: 'STRING', required: true, shown: true, default: '22' },
    { key: 'user', label: 'User', type: 'STRING', required: true, shown: true },
  ];
  expect(withInputDefaults(fields, { host: 'sftp.example', extra: 'x' })).toEqual({ host: 'sftp.example', port: '22' });
  expect(missingRequiredInputs(fields, { host: 'sftp.example', user: '' })).toEqual(['user']);
});
