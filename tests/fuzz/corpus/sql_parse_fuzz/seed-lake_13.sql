UPDATE db.t AS x SET x.a = a + 1, b = DEFAULT WHERE id IN (SELECT id FROM u); DELETE FROM t target WHERE target.comment IS NULL
