CREATE TABLE "flow_schedules" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"org_id" uuid NOT NULL,
	"integration_id" uuid NOT NULL,
	"instance_id" uuid,
	"customer_id" uuid,
	"fan_out" jsonb,
	"version_id" uuid NOT NULL,
	"flow_stable_key" text NOT NULL,
	"cron" text NOT NULL,
	"time_zone" text NOT NULL,
	"next_run_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "flow_schedules" ADD CONSTRAINT "flow_schedules_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "flow_schedules" ADD CONSTRAINT "flow_schedules_integration_id_integrations_id_fk" FOREIGN KEY ("integration_id") REFERENCES "public"."integrations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "flow_schedules" ADD CONSTRAINT "flow_schedules_instance_id_instances_id_fk" FOREIGN KEY ("instance_id") REFERENCES "public"."instances"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "flow_schedules" ADD CONSTRAINT "flow_schedules_version_id_integration_versions_id_fk" FOREIGN KEY ("version_id") REFERENCES "public"."integration_versions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "flow_schedules_due" ON "flow_schedules" USING btree ("next_run_at");--> statement-breakpoint
CREATE UNIQUE INDEX "flow_schedules_instance_flow" ON "flow_schedules" USING btree ("instance_id","flow_stable_key") WHERE "flow_schedules"."instance_id" is not null;--> statement-breakpoint
CREATE UNIQUE INDEX "flow_schedules_fan_out_flow" ON "flow_schedules" USING btree ("integration_id","flow_stable_key") WHERE "flow_schedules"."instance_id" is null;