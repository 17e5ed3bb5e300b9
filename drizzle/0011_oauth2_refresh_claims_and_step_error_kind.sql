ALTER TABLE "step_results" ADD COLUMN "error_kind" text;--> statement-breakpoint
ALTER TABLE "oauth2_tokens" ADD COLUMN "refresh_claimed_until" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "oauth2_tokens" ADD COLUMN "next_refresh_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "oauth2_tokens" ADD COLUMN "failed_client_fingerprint" text;--> statement-breakpoint
CREATE INDEX "oauth2_tokens_expiry_idx" ON "oauth2_tokens" USING btree ("expires_at");