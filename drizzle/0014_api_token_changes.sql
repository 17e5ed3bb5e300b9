-- Issue 14: API tokens are authenticated from a per-process memory cache (src/domain/auth/cached-api-tokens.ts).
-- Every change that must end a cached authentication notifies the cache of every process, whichever path
-- made it (API, CLI, a cascade from a deleted user, plain SQL): a token revoked or deleted, a user whose role
-- or customer changed or who was deleted. Sent at commit, never for a rolled-back change.
CREATE FUNCTION tenantflow_notify_api_token_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('tenantflow_api_token_changes', TG_ARGV[0] || ':' || OLD.id);
  RETURN NULL;
END;
$$;--> statement-breakpoint
CREATE TRIGGER api_tokens_changed AFTER UPDATE OF revoked_at, user_id, org_id OR DELETE ON api_tokens
  FOR EACH ROW EXECUTE FUNCTION tenantflow_notify_api_token_change('token');--> statement-breakpoint
CREATE TRIGGER users_changed AFTER UPDATE OF role, customer_id, org_id OR DELETE ON users
  FOR EACH ROW EXECUTE FUNCTION tenantflow_notify_api_token_change('user');
