import type { Db } from '../db/client';
import type { Actor } from '../domain/actor';
import type { Logger } from '../log';
import type { Vault } from '../vault/vault';

export type Context = {
  db: Db;
  vault: Vault;
  /** null for anonymous requests; fields that need a caller reject them through `actorOf`. */
  actor: Actor | null;
  log: Logger;
  tenantName: string;
  publicUrl: string;
};
