ALTER TABLE "integration_versions" ADD COLUMN "attributes" jsonb;--> statement-breakpoint
ALTER TABLE "integration_versions" ADD COLUMN "is_available" boolean DEFAULT true NOT NULL;