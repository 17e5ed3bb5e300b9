CREATE TABLE "oauth2_authorization_states" (
	"state_hash" text PRIMARY KEY NOT NULL,
	"org_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"holder_id" text NOT NULL,
	"holder_kind" text NOT NULL,
	"redirect_uri" text,
	"callback_uri" text NOT NULL,
	"code_verifier" jsonb NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "oauth2_tokens" (
	"holder_id" text PRIMARY KEY NOT NULL,
	"holder_kind" text NOT NULL,
	"org_id" uuid NOT NULL,
	"customer_id" uuid,
	"access_token" jsonb,
	"refresh_token" jsonb,
	"expires_at" timestamp with time zone,
	"scopes" text[] DEFAULT '{}' NOT NULL,
	"auth_status" text DEFAULT 'ACTIVE' NOT NULL,
	"last_refreshed_at" timestamp with time zone,
	"last_refresh_error" text,
	"refresh_failures" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "organizations" ADD COLUMN "allowed_redirect_origins" text[] DEFAULT '{}' NOT NULL;--> statement-breakpoint
ALTER TABLE "oauth2_authorization_states" ADD CONSTRAINT "oauth2_authorization_states_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "oauth2_authorization_states" ADD CONSTRAINT "oauth2_authorization_states_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "oauth2_tokens" ADD CONSTRAINT "oauth2_tokens_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "oauth2_tokens" ADD CONSTRAINT "oauth2_tokens_customer_id_customers_id_fk" FOREIGN KEY ("customer_id") REFERENCES "public"."customers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "oauth2_authorization_states_expiry_idx" ON "oauth2_authorization_states" USING btree ("expires_at");--> statement-breakpoint
CREATE INDEX "oauth2_tokens_org_status_idx" ON "oauth2_tokens" USING btree ("org_id","auth_status");