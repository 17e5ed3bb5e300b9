import type { Db } from '../db/client';
import type { Actor } from '../domain/actor';
import type { Logger } from '../log';

export type Context = {
  db: Db;
  /** null for anonymous requests; fields that need a caller reject them through `actorOf`. */
  actor: Actor | null;
  log: Logger;
  tenantName: string;
  publicUrl: string;
};
