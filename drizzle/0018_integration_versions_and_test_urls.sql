CREATE TABLE "integration_flow_test_tokens" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"org_id" uuid NOT NULL,
	"integration_id" uuid NOT NULL,
	"flow_stable_key" text NOT NULL,
	"token_hash" text NOT NULL,
	"token_sealed" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "integration_versions" ADD COLUMN "attributes" jsonb;--> statement-breakpoint
ALTER TABLE "integration_versions" ADD COLUMN "is_available" boolean DEFAULT true NOT NULL;--> statement-breakpoint
ALTER TABLE "integration_flow_test_tokens" ADD CONSTRAINT "integration_flow_test_tokens_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "integration_flow_test_tokens" ADD CONSTRAINT "integration_flow_test_tokens_integration_id_integrations_id_fk" FOREIGN KEY ("integration_id") REFERENCES "public"."integrations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "integration_flow_test_tokens_hash" ON "integration_flow_test_tokens" USING btree ("token_hash");--> statement-breakpoint
CREATE UNIQUE INDEX "integration_flow_test_tokens_flow" ON "integration_flow_test_tokens" USING btree ("integration_id","flow_stable_key");