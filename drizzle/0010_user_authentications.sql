CREATE TABLE "user_authentications" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"org_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"customer_id" uuid,
	"connection_ref" text NOT NULL,
	"scoped_config_variable_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
DROP INDEX "executions_fan_out_pending";--> statement-breakpoint
ALTER TABLE "scoped_config_variables" ADD COLUMN "user_authentication" jsonb;--> statement-breakpoint
ALTER TABLE "executions" ADD COLUMN "interactive" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "executions" ADD COLUMN "waiting_user_id" uuid;--> statement-breakpoint
ALTER TABLE "executions" ADD COLUMN "waiting_connection_ref" text;--> statement-breakpoint
ALTER TABLE "executions" ADD COLUMN "waiting_until" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "user_authentications" ADD CONSTRAINT "user_authentications_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "user_authentications" ADD CONSTRAINT "user_authentications_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "user_authentications" ADD CONSTRAINT "user_authentications_customer_id_customers_id_fk" FOREIGN KEY ("customer_id") REFERENCES "public"."customers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "user_authentications" ADD CONSTRAINT "user_authentications_scoped_config_variable_id_scoped_config_variables_id_fk" FOREIGN KEY ("scoped_config_variable_id") REFERENCES "public"."scoped_config_variables"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "user_authentications_user_connection" ON "user_authentications" USING btree ("user_id","connection_ref");--> statement-breakpoint
CREATE INDEX "user_authentications_org_connection" ON "user_authentications" USING btree ("org_id","connection_ref");--> statement-breakpoint
ALTER TABLE "executions" ADD CONSTRAINT "executions_waiting_user_id_users_id_fk" FOREIGN KEY ("waiting_user_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "executions_waiting_authentication" ON "executions" USING btree ("waiting_user_id","waiting_connection_ref") WHERE "executions"."status" = 'AUTHENTICATION_NEEDED';--> statement-breakpoint
CREATE INDEX "executions_fan_out_pending" ON "executions" USING btree ("parent_execution_id","dispatched_at","instance_id") WHERE "executions"."parent_execution_id" is not null and "executions"."status" in ('QUEUED', 'RUNNING', 'AUTHENTICATION_NEEDED');