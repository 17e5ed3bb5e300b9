import { builder } from './builder';
import './errors';
import './types/customer';
import './types/user';
import './types/organization';
import './types/signing-key';
import './types/api-token';

export const schema = builder.toSchema({ sortSchema: true });
