-- Issue 14. Each index and the query that asked for it (EXPLAIN without it: a sequential scan or a sort of every row):
-- customer_config_variables_scoped_page_idx (scoped_config_variable_id, created_at, id): the LATERAL top-N page of
--   values per connection (listCustomerConfigVariablesPerParent: index scan, stops after offset + limit rows), and
--   the foreign key's lookups when a connection is deleted.
-- customer_config_variables_org_page_idx (org_id, created_at, id): customerConfigVariables(first:) at the top level,
--   ORDER BY created_at, id LIMIT n without sorting the organization's values.
-- executions_customer_idx, executions_integration_idx, executions_version_idx: deleting a customer, an integration
--   or a version cascades (or sets null) into executions; without them each delete scans every execution.
CREATE INDEX "customer_config_variables_scoped_page_idx" ON "customer_config_variables" USING btree ("scoped_config_variable_id","created_at","id");--> statement-breakpoint
CREATE INDEX "customer_config_variables_org_page_idx" ON "customer_config_variables" USING btree ("org_id","created_at","id");--> statement-breakpoint
CREATE INDEX "executions_customer_idx" ON "executions" USING btree ("customer_id");--> statement-breakpoint
CREATE INDEX "executions_integration_idx" ON "executions" USING btree ("integration_id");--> statement-breakpoint
CREATE INDEX "executions_version_idx" ON "executions" USING btree ("version_id");