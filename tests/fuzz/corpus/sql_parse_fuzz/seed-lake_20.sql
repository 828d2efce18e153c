COMMENT ON TABLE t IS 'hello'; COMMENT ON CATALOG c IS NULL; COMMENT ON COLUMN db.t.c IS 'col'; SELECT comment, location, target, source FROM t AS target
