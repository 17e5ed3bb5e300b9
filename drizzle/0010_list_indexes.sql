CREATE INDEX "customer_config_variables_scoped_page_idx" ON "customer_config_variables" USING btree ("scoped_config_variable_id","created_at","id");--> statement-breakpoint
CREATE INDEX "customer_config_variables_org_page_idx" ON "customer_config_variables" USING btree ("org_id","created_at","id");--> statement-breakpoint
CREATE INDEX "executions_customer_idx" ON "executions" USING btree ("customer_id");--> statement-breakpoint
CREATE INDEX "executions_integration_idx" ON "executions" USING btree ("integration_id");--> statement-breakpoint
CREATE INDEX "executions_version_idx" ON "executions" USING btree ("version_id");