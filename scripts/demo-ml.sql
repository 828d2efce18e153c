-- demo-ml.sql -- the ML workflow of `make demo`: generated customer features,
-- a random forest trained from SQL and tracked as an MLflow run in the
-- experiment /Users/data-eng/customer-churn, registered as `customer-churn`,
-- moved None -> Staging -> Production, then loaded by its stage to score new
-- customers into churn_predictions. Run from a warehouse folder with
--   strata sql --warehouse . -f demo-ml.sql

-- Customers (generated, deterministic): contract, tenure, charges and support
-- calls drive the chance to churn; u is a uniform draw per customer.
CREATE OR REPLACE TEMP VIEW customers AS
SELECT id AS customer_id,
       CASE WHEN abs(xxhash64(id, 'c')) % 10 < 5 THEN 'month-to-month'
            WHEN abs(xxhash64(id, 'c')) % 10 < 8 THEN 'one-year' ELSE 'two-year' END AS contract,
       CAST(abs(xxhash64(id, 't')) % 72 AS INT) AS tenure_months,
       round(20 + (abs(xxhash64(id, 'm')) % 10000) / 100.0, 2) AS monthly_charges,
       CAST(abs(xxhash64(id, 's')) % 8 AS INT) AS support_calls,
       abs(xxhash64(id, 'f')) % 3 = 0 AS has_fiber,
       CAST(18 + abs(xxhash64(id, 'a')) % 60 AS INT) AS age,
       (abs(xxhash64(id, 'u')) % 1000000) / 1000000.0 AS u
FROM range(1, 50001);

CREATE OR REPLACE TABLE customer_features AS
SELECT customer_id, contract, tenure_months, monthly_charges, support_calls, has_fiber, age,
       u < 1 / (1 + exp(-(-1.2 + CASE contract WHEN 'month-to-month' THEN 1.4
                                               WHEN 'one-year' THEN 0.2 ELSE -1.0 END
                          - 0.05 * tenure_months + 0.45 * support_calls
                          + 0.02 * (monthly_charges - 70) + IF(has_fiber, 0.5, 0.0)))) AS is_churned
FROM customers;

CREATE OR REPLACE TABLE customer_features_train AS
SELECT * FROM customer_features WHERE customer_id % 5 <> 0;

CREATE OR REPLACE TABLE customer_features_new AS
SELECT customer_id, contract, tenure_months, monthly_charges, support_calls, has_fiber, age
FROM customer_features WHERE customer_id % 5 = 0;

-- Train: one statement creates the run rf-v1 (params, training and holdout
-- metrics, the model artifact) and version N of the registered model.
CREATE OR REPLACE MODEL `customer-churn`
OPTIONS (model_type = 'random_forest_classifier', n_estimators = 100, max_depth = 10,
         label_col = 'is_churned', experiment = '/Users/data-eng/customer-churn',
         run_name = 'rf-v1', holdout_fraction = 0.2, seed = 42)
AS SELECT contract, tenure_months, monthly_charges, support_calls, has_fiber, age, is_churned
   FROM customer_features_train;

SELECT run_name, status, `params.n_estimators` AS n_estimators, `params.max_depth` AS max_depth,
       round(`metrics.accuracy`, 4) AS accuracy, round(`metrics.roc_auc`, 4) AS auc
FROM runs('/Users/data-eng/customer-churn') ORDER BY start_time DESC LIMIT 3;

SELECT feature, round(importance, 4) AS importance
FROM ML.FEATURE_IMPORTANCE(MODEL `customer-churn`) ORDER BY importance DESC LIMIT 5;

-- Promote version 1 (the demo starts from an empty warehouse): None -> Staging
-- -> Production, and call it the champion.
ALTER MODEL `customer-churn` VERSION 1 SET STAGE 'Staging';
ALTER MODEL `customer-churn` VERSION 1 SET STAGE 'Production' ARCHIVE EXISTING VERSIONS;
ALTER MODEL `customer-churn` SET ALIAS champion VERSION 1;
SHOW MODELS;
DESCRIBE MODEL `customer-churn`;

-- Score the new customers with whatever is in Production, in parallel, batch by batch.
CREATE OR REPLACE TABLE churn_predictions AS
SELECT customer_id, prediction AS will_churn, round(probability, 4) AS churn_probability
FROM ML.PREDICT(MODEL 'models:/customer-churn/Production', TABLE customer_features_new);

SELECT will_churn, count(*) AS customers, round(avg(churn_probability), 4) AS avg_probability
FROM churn_predictions GROUP BY will_churn ORDER BY will_churn;

-- The same model as a scalar function, and scored against known labels.
SELECT customer_id,
       predict('models:/customer-churn@champion', contract, tenure_months, monthly_charges,
               support_calls, has_fiber, age) AS will_churn
FROM customer_features WHERE customer_id <= 5 ORDER BY customer_id;

SELECT round(accuracy, 4) AS accuracy, round(roc_auc, 4) AS auc, rows
FROM ML.EVALUATE(MODEL 'models:/customer-churn/Production',
                 (SELECT * FROM customer_features WHERE customer_id % 5 = 0));
