import type { Actor } from '../../domain/actor';
import { UnauthenticatedError } from '../../domain/errors';
import type { Context } from '../context';

export function actorOf(ctx: Context): Actor {
  if (!ctx.actor) throw new UnauthenticatedError('Authentication required: send "Authorization: Bearer <token>".');
  return ctx.actor;
}
