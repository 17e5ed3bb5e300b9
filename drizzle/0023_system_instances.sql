DROP INDEX "customers_org_name_key";--> statement-breakpoint
ALTER TABLE "customers" ADD COLUMN "is_system" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "instances" ADD COLUMN "is_system" boolean DEFAULT false NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX "customers_org_system_key" ON "customers" USING btree ("org_id") WHERE "customers"."is_system";--> statement-breakpoint
CREATE UNIQUE INDEX "instances_integration_system_key" ON "instances" USING btree ("integration_id") WHERE "instances"."is_system";--> statement-breakpoint
CREATE UNIQUE INDEX "customers_org_name_key" ON "customers" USING btree ("org_id","name") WHERE not "customers"."is_system";