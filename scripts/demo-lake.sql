-- demo-lake.sql -- the medallion pipeline of `make demo`: generated customers
-- and orders land in bronze, MERGE keeps silver current (SCD type 2), gold sums
-- up each current customer. Run from a warehouse folder with
--   strata sql --warehouse . -f demo-lake.sql

-- Source data (generated): 1000 customers whose records changed on different days,
-- and 20000 orders.
CREATE OR REPLACE TEMP VIEW source_data AS
SELECT id AS customer_id,
       concat('user', id, '@example.com') AS email,
       concat('555-', lpad(CAST(id * 37 % 10000 AS STRING), 4, '0')) AS phone,
       date_add(DATE'2024-01-01', CAST(id % 20 AS INT)) AS updated_at
FROM range(1, 1001);

CREATE TABLE IF NOT EXISTS silver_orders USING DELTA LOCATION 'silver/orders' AS
SELECT id AS order_id, 1 + (id * 7) % 1100 AS customer_id,
       CAST((id * 13) % 500 AS DOUBLE) + 0.99 AS amount,
       date_add(DATE'2024-02-01', CAST(id % 28 AS INT)) AS order_date
FROM range(20000);

-- silver_customers starts with the schema the MERGE writes, and a few customers
-- already on file (some older than the source, some newer).
CREATE TABLE IF NOT EXISTS silver_customers (
  customer_id BIGINT, email STRING, phone STRING, updated_at DATE,
  effective_date DATE, end_date DATE, is_current BOOLEAN)
USING DELTA LOCATION 'silver/customers';
INSERT INTO silver_customers
SELECT id, concat('old', id, '@example.com'), '555-0000',
       date_add(DATE'2024-01-05', CAST(id % 2 * 30 AS INT)), DATE'2023-12-01', NULL, TRUE
FROM range(1, 51);

-- The pipeline.
CREATE TABLE IF NOT EXISTS bronze_customers USING DELTA LOCATION 'bronze/customers'
AS SELECT *, current_timestamp() as _elt_timestamp FROM source_data;

CREATE TABLE IF NOT EXISTS silver_customers USING DELTA LOCATION 'silver/customers';
MERGE INTO silver_customers t
USING (SELECT customer_id, email, phone, updated_at FROM bronze_customers) s
ON t.customer_id = s.customer_id AND t.is_current = TRUE
WHEN MATCHED AND s.updated_at > t.updated_at THEN
  UPDATE SET is_current = FALSE, end_date = current_date()
WHEN NOT MATCHED THEN
  INSERT (customer_id, email, phone, effective_date, is_current)
  VALUES (s.customer_id, s.email, s.phone, current_date(), TRUE);

CREATE TABLE IF NOT EXISTS gold_customer_summary USING DELTA LOCATION 'gold/customer_summary'
AS SELECT c.customer_id, c.email, COUNT(DISTINCT o.order_id) as num_orders,
  SUM(o.amount) as lifetime_value, MAX(o.order_date) as last_order_date
FROM silver_customers c LEFT JOIN silver_orders o ON c.customer_id = o.customer_id
WHERE c.is_current = TRUE GROUP BY c.customer_id, c.email;
