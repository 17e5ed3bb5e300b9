CREATE TABLE "fan_out_host_slots" (
	"parent_execution_id" uuid NOT NULL,
	"host" text NOT NULL,
	"slot" integer NOT NULL,
	"holder" text NOT NULL,
	"held_until" timestamp with time zone NOT NULL,
	CONSTRAINT "fan_out_host_slots_parent_execution_id_host_slot_pk" PRIMARY KEY("parent_execution_id","host","slot")
);
--> statement-breakpoint
ALTER TABLE "executions" ADD COLUMN "fan_out" jsonb;--> statement-breakpoint
ALTER TABLE "executions" ADD COLUMN "parent_execution_id" uuid;--> statement-breakpoint
ALTER TABLE "executions" ADD COLUMN "dispatched_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "fan_out_host_slots" ADD CONSTRAINT "fan_out_host_slots_parent_execution_id_executions_id_fk" FOREIGN KEY ("parent_execution_id") REFERENCES "public"."executions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "executions" ADD CONSTRAINT "executions_parent_execution_id_executions_id_fk" FOREIGN KEY ("parent_execution_id") REFERENCES "public"."executions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "executions_fan_out_child" ON "executions" USING btree ("parent_execution_id","instance_id") WHERE "executions"."parent_execution_id" is not null;--> statement-breakpoint
CREATE INDEX "executions_fan_out_pending" ON "executions" USING btree ("parent_execution_id","dispatched_at","instance_id") WHERE "executions"."parent_execution_id" is not null and "executions"."status" in ('QUEUED', 'RUNNING', 'PAUSED');--> statement-breakpoint
CREATE UNIQUE INDEX "executions_fan_out_tick" ON "executions" USING btree ("integration_id","flow_stable_key","scheduled_for") WHERE "executions"."fan_out" is not null and "executions"."scheduled_for" is not null;