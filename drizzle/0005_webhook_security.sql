CREATE TABLE "webhook_signature_uses" (
	"flow_config_id" uuid NOT NULL,
	"signature" text NOT NULL,
	"keep_until" timestamp with time zone NOT NULL,
	CONSTRAINT "webhook_signature_uses_flow_config_id_signature_pk" PRIMARY KEY("flow_config_id","signature")
);
--> statement-breakpoint
DROP INDEX "instance_flow_configs_token";--> statement-breakpoint
ALTER TABLE "instance_flow_configs" ALTER COLUMN "webhook_token" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "instance_flow_configs" ADD COLUMN "webhook_token_hash" text;--> statement-breakpoint
-- Hand-written: existing tokens are hashed here (sha256, hex, as src/domain/instances/webhook-tokens.ts does)
-- so their URLs keep working; the server seals their plain text into the vault and empties it at start.
UPDATE "instance_flow_configs" SET "webhook_token_hash" = encode(sha256(convert_to("webhook_token", 'UTF8')), 'hex');--> statement-breakpoint
ALTER TABLE "instance_flow_configs" ALTER COLUMN "webhook_token_hash" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "instance_flow_configs" ADD COLUMN "webhook_token_sealed" jsonb;--> statement-breakpoint
ALTER TABLE "instance_flow_configs" ADD COLUMN "signature_secret" jsonb;--> statement-breakpoint
ALTER TABLE "webhook_signature_uses" ADD CONSTRAINT "webhook_signature_uses_flow_config_id_instance_flow_configs_id_fk" FOREIGN KEY ("flow_config_id") REFERENCES "public"."instance_flow_configs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "webhook_signature_uses_expiry" ON "webhook_signature_uses" USING btree ("flow_config_id","keep_until");--> statement-breakpoint
CREATE UNIQUE INDEX "instance_flow_configs_token_hash" ON "instance_flow_configs" USING btree ("webhook_token_hash");