-- Hand edit: customer users could write their customer's connection values and run its flows, so existing ones (embedded users included) become customer admins.
UPDATE "users" SET "role" = 'customer_admin' WHERE "role" = 'customer';--> statement-breakpoint
ALTER TABLE "users" ADD CONSTRAINT "users_role_matches_customer" CHECK (case when "users"."customer_id" is null then "users"."role" in ('admin', 'member') else "users"."role" in ('customer_admin', 'customer_member') end);
