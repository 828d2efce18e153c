SELECT `a``b`, 'x\u00e9' 'y', 1L, 2S, 3Y, 4BD, 1e-3D, .5, t@v3.x FROM t@v3 TIMESTAMP AS OF '2024-01-01', parquet.`/p` WHERE a <=> b AND c IS NOT DISTINCT FROM d -- c
/* block */;