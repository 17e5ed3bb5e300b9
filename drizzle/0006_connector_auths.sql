CREATE TABLE "connector_auths" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"org_id" uuid NOT NULL,
	"customer_id" uuid,
	"name" text NOT NULL,
	"component_key" text NOT NULL,
	"connection_key" text NOT NULL,
	"values" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "connector_auths" ADD CONSTRAINT "connector_auths_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "connector_auths" ADD CONSTRAINT "connector_auths_customer_id_customers_id_fk" FOREIGN KEY ("customer_id") REFERENCES "public"."customers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "connector_auths_org_customer_idx" ON "connector_auths" USING btree ("org_id","customer_id");--> statement-breakpoint
CREATE INDEX "connector_auths_org_component_idx" ON "connector_auths" USING btree ("org_id","component_key");