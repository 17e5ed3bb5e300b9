ALTER TABLE "user_authentications" ADD COLUMN "instance_id" uuid;--> statement-breakpoint
ALTER TABLE "user_authentications" ADD COLUMN "config_variable_key" text;--> statement-breakpoint
ALTER TABLE "user_authentications" ADD CONSTRAINT "user_authentications_instance_id_instances_id_fk" FOREIGN KEY ("instance_id") REFERENCES "public"."instances"("id") ON DELETE cascade ON UPDATE no action;