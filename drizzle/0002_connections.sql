CREATE TABLE "customer_config_variables" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"org_id" uuid NOT NULL,
	"scoped_config_variable_id" uuid NOT NULL,
	"customer_id" uuid,
	"is_test" boolean DEFAULT false NOT NULL,
	"key" text,
	"values" jsonb NOT NULL,
	"last_configured_at" timestamp with time zone DEFAULT now() NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "scoped_config_variables" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"org_id" uuid NOT NULL,
	"key" text NOT NULL,
	"stable_key" text NOT NULL,
	"description" text,
	"variable_scope" text NOT NULL,
	"managed_by" text NOT NULL,
	"component_key" text NOT NULL,
	"connection_key" text NOT NULL,
	"customer_id" uuid,
	"input_scopes" jsonb NOT NULL,
	"global_values" jsonb NOT NULL,
	"default_for_component" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "customer_config_variables" ADD CONSTRAINT "customer_config_variables_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "customer_config_variables" ADD CONSTRAINT "customer_config_variables_scoped_config_variable_id_scoped_config_variables_id_fk" FOREIGN KEY ("scoped_config_variable_id") REFERENCES "public"."scoped_config_variables"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "customer_config_variables" ADD CONSTRAINT "customer_config_variables_customer_id_customers_id_fk" FOREIGN KEY ("customer_id") REFERENCES "public"."customers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "scoped_config_variables" ADD CONSTRAINT "scoped_config_variables_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "scoped_config_variables" ADD CONSTRAINT "scoped_config_variables_customer_id_customers_id_fk" FOREIGN KEY ("customer_id") REFERENCES "public"."customers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "customer_config_variables_customer_key" ON "customer_config_variables" USING btree ("scoped_config_variable_id","customer_id") WHERE "customer_config_variables"."customer_id" is not null;--> statement-breakpoint
CREATE UNIQUE INDEX "customer_config_variables_test_key" ON "customer_config_variables" USING btree ("scoped_config_variable_id") WHERE "customer_config_variables"."is_test";--> statement-breakpoint
CREATE INDEX "customer_config_variables_org_idx" ON "customer_config_variables" USING btree ("org_id","customer_id");--> statement-breakpoint
CREATE UNIQUE INDEX "scoped_config_variables_org_stable_key" ON "scoped_config_variables" USING btree ("org_id","stable_key");