import { USER_AUTH_POLICIES, USER_AUTHENTICATION_OFF } from '../../domain/user-authentications/settings';
import { builder } from '../builder';
import { ScopedConfigVariable } from './scoped-config-variable';

export const NonInteractivePolicy = builder.enumType('UserAuthenticationNonInteractivePolicy', { values: USER_AUTH_POLICIES });

const UserAuthenticationSettings = builder.objectRef<typeof USER_AUTHENTICATION_OFF>('UserAuthenticationSettings').implement({
  description: "Seed 002: whether steps on the connection run with the acting user's own authentication.",
  fields: (t) => ({
    enabled: t.exposeBoolean('enabled'),
    nonInteractivePolicy: t.field({
      type: NonInteractivePolicy,
      description: 'What a non-interactive run does when its acting user has no working authentication.',
      resolve: (settings) => settings.nonInteractivePolicy,
    }),
  }),
});

export const UserAuthenticationSettingsInput = builder.inputType('UserAuthenticationSettingsInput', {
  fields: (t) => ({
    enabled: t.boolean({ required: true }),
    nonInteractivePolicy: t.string({
      description: 'FALLBACK_TO_CONNECTOR_USER (default), FALLBACK_WITH_WARNING, PAUSE_UNTIL_AUTHENTICATED or END_WITH_ERROR; lowercase accepted.',
    }),
  }),
});

builder.objectField(ScopedConfigVariable, 'userAuthentication', (t) =>
  t.field({ type: UserAuthenticationSettings, resolve: (scv) => scv.userAuthentication ?? USER_AUTHENTICATION_OFF }),
);
