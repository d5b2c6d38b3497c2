--
-- aggregates: what one server can show.  Its peers are never reachable,
-- so every computation here fails, either before it starts or, for the
-- timeout and the cancellation, after the wait.
--
-- The management test left this node initialised as node_a, with group
-- g1 (min_parties 3) of node_a, node_b, node_c and node_d.
--
SELECT name FROM smpc.node_info();

SELECT encode(sha256('node_b'), 'base64') AS key_b,
       encode(sha256('node_c'), 'base64') AS key_c \gset
\set unreachable 'host=/nonexistent port=1 dbname=x'

CREATE TABLE t (dept text, i2 int2, i4 int4, i8 int8, n numeric, f4 float4, f8 float8);
INSERT INTO t
SELECT 'dept' || (i % 3), i, i * 10, i * 1000000000000, i / 7.0, i / 4.0, i / 8.0
  FROM generate_series(1, 300) i;
INSERT INTO t VALUES ('dept0', NULL, NULL, NULL, NULL, NULL, NULL);
ANALYZE t;

--
-- Result types: like the native aggregates
--
SELECT a.aggfnoid::regprocedure AS aggregate, a.aggfinalfn, p.prorettype::regtype AS returns
  FROM pg_aggregate a JOIN pg_proc p ON p.oid = a.aggfnoid
 WHERE p.proname LIKE 'smpc\_%'
 ORDER BY p.proname COLLATE "C", a.aggfnoid::regprocedure::text COLLATE "C";
-- smpc_sum and smpc_avg return what sum and avg return for the same input
SELECT s.oid::regprocedure AS aggregate, s.prorettype::regtype AS returns,
       s.prorettype = n.prorettype AS same_as_native
  FROM pg_proc s
  JOIN pg_proc n ON n.proname = substr(s.proname, 6) AND n.prokind = 'a'
   AND n.pronamespace = 'pg_catalog'::regnamespace
   AND n.pronargs = 1 AND n.proargtypes[0] = s.proargtypes[0]
 WHERE s.proname IN ('smpc_sum', 'smpc_avg') AND s.pronargs = 2
 ORDER BY s.proname COLLATE "C", s.oid::regprocedure::text COLLATE "C";
-- parallel safe, with combine and serialisation functions
SELECT DISTINCT a.aggtranstype::regtype, a.aggcombinefn, a.aggserialfn, a.aggdeserialfn,
       p.proparallel
  FROM pg_aggregate a JOIN pg_proc p ON p.oid = a.aggfnoid
 WHERE p.proname LIKE 'smpc\_%';

--
-- Unknown group: the worker answers at once
--
SELECT smpc_sum(i4, 'no_such_group') FROM t;
SELECT smpc_avg(n, 'no_such_group', 'some label') FROM t;
SELECT smpc_count(dept, 'no_such_group') FROM t;
SELECT smpc_count_rows('no_such_group', 'rows') FROM t;
-- group names are not case folded
SELECT smpc_sum(i4, 'G1') FROM t;
-- no input rows: the group and label come from the call
SELECT smpc_sum(f8, 'no_such_group', 'empty') FROM t WHERE false;
SELECT smpc_count_rows('no_such_group') FROM t WHERE i4 < 0;
-- ... and must then be constants
SELECT smpc_sum(i4, dept) FROM t WHERE false;
SELECT smpc_sum(i4, 'no_such_group', dept) FROM t WHERE false;
SELECT smpc_sum(i4, 'no_such_group', random()::text) FROM t WHERE false;
-- a parameter is a constant too
PREPARE q(text, text, int) AS SELECT smpc_sum(i4, $1, $2) FROM t WHERE i4 < $3;
EXECUTE q('no_such_group', 'prepared', 100);
EXECUTE q('no_such_group', 'prepared', 0);
DEALLOCATE q;

--
-- Group and label arguments
--
SELECT smpc_sum(i4, NULL) FROM t;
SELECT smpc_sum(i4, 'g1', NULL) FROM t;
SELECT smpc_count_rows(NULL) FROM t;
SELECT smpc_count_rows('g1', NULL) FROM t;
SELECT smpc_count(i4, NULL::text) FROM t;
SELECT smpc_sum(i4, NULL) FROM t WHERE false;
SELECT smpc_sum(i4, 'g1', NULL) FROM t WHERE false;
-- too long: a group name has at most 63 bytes, a label 255
SELECT smpc_sum(i4, repeat('g', 64)) FROM t;
SELECT smpc_sum(i4, 'g1', repeat('l', 256)) FROM t;
SELECT smpc_count_rows('g1', repeat('l', 1000)) FROM t;
SELECT smpc_sum(i4, repeat('g', 64)) FROM t WHERE false;
SELECT smpc_sum(i4, 'g1', repeat('l', 256)) FROM t WHERE false;
-- the longest allowed are fine (and the group does not exist)
SELECT smpc_sum(i4, repeat('g', 63), repeat('l', 255)) FROM t;
-- a label must be printable text: the other members would refuse it
SELECT smpc_sum(i4, 'g1', E'tab\there') FROM t;
SELECT smpc_count_rows('g1', E'new\nline') FROM t WHERE false;
-- they must be the same for every row of an aggregate group
SELECT smpc_sum(i4, 'g1', dept) FROM t;
SELECT smpc_count_rows(CASE WHEN i4 > 1000 THEN 'g1' ELSE 'g2' END) FROM t;
-- a group computed per row is fine when it is the same for every row
SELECT smpc_sum(i4, CASE WHEN dept = 'dept1' THEN 'no_such_group' END) FROM t WHERE dept = 'dept1';

--
-- Not as window functions
--
SELECT smpc_sum(i4, 'g1') OVER () FROM t;
SELECT dept, smpc_count_rows('g1') OVER (PARTITION BY dept) FROM t;
SELECT smpc_avg(f8, 'g1', 'w') OVER (ORDER BY i4) FROM t;

--
-- Values that cannot be shared: checked before the worker is asked
--
SELECT smpc_sum(x, 'g1') FROM (VALUES (1.0::float8), ('NaN')) v(x);
SELECT smpc_avg(x, 'g1') FROM (VALUES (1.0::float8), ('Infinity')) v(x);
SELECT smpc_sum(x, 'g1') FROM (VALUES ('-Infinity'::float4)) v(x);
SELECT smpc_avg(x, 'g1') FROM (VALUES ('NaN'::float4)) v(x);
SELECT smpc_sum(x, 'g1') FROM (VALUES (1.0::numeric), ('NaN')) v(x);
SELECT smpc_avg(x, 'g1') FROM (VALUES ('Infinity'::numeric)) v(x);
SELECT smpc_sum(x, 'g1') FROM (VALUES ('-Infinity'::numeric), (2)) v(x);
-- overflow of a finite float sum is caught too
SELECT smpc_sum(x, 'g1') FROM (VALUES ('1e308'::float8), ('1e308')) v(x);
-- too large for the fixed-point encodings
SELECT smpc_sum(x, 'g1') FROM (VALUES (1e26::float8)) v(x);
SELECT smpc_avg(x, 'g1') FROM (VALUES (-1e30::float4)) v(x);
-- exact values: every member's own sum against fixed limits (2^254 at
-- scale 32, about 2.9e44; at most 32 decimals), whatever the others do
SELECT smpc_sum(x, 'g1') FROM (VALUES (3e44::numeric)) v(x);
SELECT smpc_avg(x, 'g1') FROM (VALUES (-2e44::numeric), (-1e44)) v(x);
SELECT smpc_sum(x, 'g1') FROM (VALUES (1.5), (0.000000000000000000000000000000001::numeric)) v(x);
-- just inside: refused only because the group does not exist
SELECT smpc_sum(x, 'no_such_group') FROM (VALUES (2.8e44::numeric)) v(x);
SELECT smpc_avg(x, 'no_such_group') FROM (VALUES (-2.8e44::numeric)) v(x);
SELECT smpc_sum(x, 'no_such_group') FROM (VALUES (0.00000000000000000000000000000001::numeric)) v(x);
SELECT smpc_sum(x, 'no_such_group') FROM (VALUES (9223372036854775807::int8), (9223372036854775807)) v(x);
-- histogram bounds and categories are checked before anything is shared
SELECT smpc_histogram(x, 'g1', ARRAY[3, 1]::float8[]) FROM (VALUES (1.0)) v(x);
SELECT smpc_histogram(x, 'g1', ARRAY[1, 1]::float8[]) FROM (VALUES (1.0)) v(x);
SELECT smpc_histogram(x, 'g1', ARRAY[]::float8[]) FROM (VALUES (1.0)) v(x);
SELECT smpc_histogram(x, 'g1', ARRAY[1, NULL]::float8[]) FROM (VALUES (1.0)) v(x);
SELECT smpc_histogram(x, 'g1', ARRAY['NaN']::float8[]) FROM (VALUES (1.0)) v(x);
SELECT smpc_histogram(x, 'g1', NULL::float8[]) FROM (VALUES (1.0)) v(x);
SELECT smpc_histogram(x, 'g1', ARRAY[[1, 2], [3, 4]]::float8[]) FROM (VALUES (1.0)) v(x);
SELECT smpc_histogram(x, 'g1', (SELECT array_agg(g) FROM generate_series(1, 64) g)::float8[])
  FROM (VALUES (1.0)) v(x);
SELECT smpc_frequencies(x, 'g1', ARRAY['a', 'b', 'a']) FROM (VALUES ('a')) v(x);
SELECT smpc_frequencies(x, 'g1', ARRAY['a', NULL]) FROM (VALUES ('a')) v(x);
SELECT smpc_histogram(x, 'no_such_group', ARRAY[1]::float8[], 'h') FROM (VALUES (1.0)) v(x);
SELECT smpc_frequencies(x, 'no_such_group', ARRAY['a'], 'f') FROM (VALUES ('a')) v(x) WHERE false;
-- with a label (or bounds) from a column, each row's bounds or categories
-- are compared with those already parsed: other ones are refused
SELECT smpc_frequencies(x, 'no_such_group', c, l)
  FROM (VALUES ('a', ARRAY['a', 'b'], 'f'), ('b', ARRAY['a', 'b'], 'f'),
               ('c', ARRAY['a', 'c'], 'f')) v(x, c, l);
SELECT smpc_histogram(x, 'no_such_group', b, l)
  FROM (VALUES (1.0, ARRAY[1, 2]::float8[], 'h'), (2.0, ARRAY[1, 2]::float8[], 'h'),
               (3.0, ARRAY[1, 3]::float8[], 'h')) v(x, b, l);
-- the dispersion aggregates also share the sum of squares, at twice the
-- scale: below 2^510 at scale 64 (about 3.4e89)
SELECT smpc_variance(x, 'g1') FROM (VALUES (2e44::numeric), (-2e44), (2e44), (-2e44), (2e44), (-2e44),
                                           (2e44), (-2e44), (2e44), (-2e44)) v(x);
SELECT smpc_var_samp(x, 'g1') FROM (VALUES (1.000000000000000000000000000000001::numeric)) v(x);
SELECT smpc_stddev(x, 'g1') FROM (VALUES ('NaN'::float8)) v(x);
-- accepted: a third has 20 decimals, int8 squares beyond 128 bits, any
-- finite double
SELECT smpc_variance(x, 'no_such_group') FROM (VALUES (1::numeric / 3)) v(x);
SELECT smpc_var_pop(x, 'no_such_group') FROM (VALUES (9223372036854775807::int8), (-9223372036854775808)) v(x);
SELECT smpc_stddev_pop(x, 'no_such_group') FROM (VALUES (1e12::float8), (1.7e308), (-1.7e308), (5e-324)) v(x);
SELECT smpc_var_samp(x, 'no_such_group') FROM (VALUES (3.3e12::float4), (-3.4e38)) v(x);
-- the two-variable aggregates check both variables
SELECT smpc_corr(y, x, 'g1') FROM (VALUES (1.0::float8, 'NaN'::float8)) v(x, y);
SELECT smpc_regr_slope(y, x, 'g1') FROM (VALUES ('Infinity'::float8, 1.0::float8)) v(x, y);
SELECT smpc_covar_pop(y, x, 'g1') FROM (VALUES (1.0::float8, '-Infinity'::float8)) v(x, y);
SELECT smpc_regr_intercept(y, x, 'no_such_group') FROM (VALUES (1e30::float8, 1.0::float8), (1e300, -1e-300)) v(x, y);
SELECT smpc_regr_count(y, x, 'no_such_group') FROM (VALUES ('NaN'::float8, 1.0::float8)) v(x, y);
-- counting needs no values: NaN is counted like anything else
SELECT smpc_count(x, 'no_such_group') FROM (VALUES ('NaN'::float8)) v(x);

--
-- Too few members: g_small has this node and node_b, but min_parties 3
--
SELECT smpc.create_peer_group('g_small', min_parties => 3);
SELECT smpc.add_peer('g_small', 'node_b', :'unreachable', :'key_b');
SELECT smpc_sum(i4, 'g_small') FROM t;
SELECT smpc_count_rows('g_small', 'x') FROM t WHERE false;

--
-- Group settings checked against the group's size: more tolerated
-- colluders than other members; small-cell protection without an honest
-- majority (2 members tolerating 1 colluder)
--
SELECT smpc.create_peer_group('g_many', min_parties => 2, max_colluders => 2);
SELECT smpc.add_peer('g_many', 'node_b', :'unreachable', :'key_b');
SELECT smpc_sum(i4, 'g_many') FROM t;
SELECT smpc.create_peer_group('g_cells', min_parties => 2, max_colluders => 1, min_cell_count => 3);
SELECT smpc.add_peer('g_cells', 'node_b', :'unreachable', :'key_b');
SELECT smpc_histogram(i4, 'g_cells', ARRAY[0]::float8[]) FROM t;

--
-- The worker's own range check of a floating-point sum (times 2^40): with
-- 2 members, each member's must stay below 2^126/2
--
SELECT smpc.create_peer_group('g_pair', min_parties => 2);
SELECT smpc.add_peer('g_pair', 'node_b', :'unreachable', :'key_b');
SELECT smpc_sum(x, 'g_pair', 'big') FROM (VALUES (4e25::float8)) v(x);
SELECT smpc_avg(x, 'g_pair', 'big') FROM (VALUES (-4e25::float8)) v(x);

--
-- GROUP BY: the planner may hash or sort; a custom scan above the
-- aggregation makes all groups one computation, whatever the order
--
SHOW enable_sort;
SHOW enable_hashagg;
EXPLAIN (costs off) SELECT dept, avg(i4) FROM t GROUP BY dept;
EXPLAIN (costs off) SELECT dept, smpc_avg(i4, 'g1', dept) FROM t GROUP BY dept;
EXPLAIN (costs off) SELECT dept, smpc_count_rows('g1', dept) FROM t GROUP BY dept ORDER BY dept;
EXPLAIN (costs off) SELECT dept FROM t GROUP BY dept HAVING smpc_count_rows('g1', dept) > 0;
SET enable_sort = off;
EXPLAIN (costs off) SELECT dept, smpc_avg(i4, 'g1', dept) FROM t GROUP BY dept;
RESET enable_sort;
-- the one computation fails, and the query with it
SELECT dept, smpc_avg(i4, 'no_such_group', dept) FROM t GROUP BY dept ORDER BY dept;
-- GROUPING SETS, ROLLUP and CUBE are refused when smpc aggregates take part
SELECT dept, smpc_sum(i4, 'g1') FROM t GROUP BY ROLLUP (dept);
SELECT dept, smpc_sum(i4, 'g1') FROM t GROUP BY GROUPING SETS ((dept), ());
SELECT dept, sum(i4) FROM t GROUP BY ROLLUP (dept) ORDER BY dept;
-- smpc.group_keys must match the GROUP BY (checked before anything is sent)
SET smpc.group_keys = '{{a,b},{c,d}}';
SELECT dept, smpc_sum(i4, 'g1') FROM t GROUP BY dept;
SET smpc.group_keys = '{a,b}';
SELECT dept, smpc_sum(i4, 'g1') FROM t GROUP BY dept;
SET smpc.group_keys = 'not an array';
SELECT dept, smpc_sum(i4, 'g1') FROM t GROUP BY dept;
RESET smpc.group_keys;
-- nothing computed yet in this session
SELECT * FROM smpc.group_results();

--
-- Parallel partial aggregation: the local state is combined across
-- parallel workers before the joint computation
--
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
EXPLAIN (costs off) SELECT smpc_sum(n, 'no_such_group', 'parallel') FROM t;
SELECT smpc_sum(n, 'no_such_group', 'parallel') FROM t;
SELECT smpc_count_rows('no_such_group', 'parallel') FROM t WHERE i4 < 0;
-- the exact floating-point accumulators go through serialisation too
SELECT smpc_var_samp(f8, 'no_such_group', 'parallel') FROM t;
SELECT smpc_regr_slope(f8, f4, 'no_such_group', 'parallel') FROM t;
SELECT smpc_stddev(CASE WHEN i4 = 3000 THEN 'NaN' ELSE f8 END, 'g1', 'parallel') FROM t;
SELECT smpc_avg(CASE WHEN i4 = 3000 THEN 'NaN' ELSE f8 END, 'g1', 'parallel') FROM t;
SELECT smpc_avg(f8 * 'Infinity', 'g1', 'parallel') FROM t;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;

--
-- Partitionwise aggregation: one partial aggregate per partition under an
-- Append.  With no rows the final function must still find the group and
-- label (in the partial aggregates below the Append).
--
CREATE TABLE parted (k int, v int) PARTITION BY RANGE (k);
CREATE TABLE parted_1 PARTITION OF parted FOR VALUES FROM (0) TO (100);
CREATE TABLE parted_2 PARTITION OF parted FOR VALUES FROM (100) TO (200);
SET enable_partitionwise_aggregate = on;
EXPLAIN (costs off) SELECT smpc_sum(v, 'no_such_group', 'parted') FROM parted;
SELECT smpc_sum(v, 'no_such_group', 'parted') FROM parted;
SELECT smpc_count_rows('no_such_group', 'parted') FROM parted;
SELECT smpc_var_samp(v, 'no_such_group', 'parted') FROM parted;
SELECT smpc_regr_slope(v, v, 'no_such_group', 'parted') FROM parted;
SELECT smpc_histogram(v, 'no_such_group', ARRAY[1.0, 2.0], 'parted') FROM parted;
RESET enable_partitionwise_aggregate;
DROP TABLE parted;

--
-- Running a joint computation needs the smpc_benchmark role: it makes this
-- node contribute an input
--
CREATE ROLE regress_smpc_analyst;
GRANT SELECT ON t TO regress_smpc_analyst;
SET ROLE regress_smpc_analyst;
SELECT smpc_count(i8, 'no_such_group', 'analyst') FROM t;
SELECT smpc_avg(i4, 'no_such_group') FROM t;
SELECT * FROM smpc.history;
RESET ROLE;
GRANT smpc_benchmark TO regress_smpc_analyst;
SET ROLE regress_smpc_analyst;
SELECT smpc_count(i8, 'no_such_group', 'analyst') FROM t;
SELECT count(*) > 0 AS sees_history FROM smpc.history;
RESET ROLE;
DROP OWNED BY regress_smpc_analyst;
DROP ROLE regress_smpc_analyst;

--
-- Timeout: g_wait has this node and two peers that never answer.  The
-- error's detail names them; what follows the names ("Last error for
-- node_b: ...") is the connection error and is not shown here.
--
SELECT smpc.create_peer_group('g_wait', min_parties => 2);
SELECT smpc.add_peer('g_wait', 'node_c', :'unreachable', :'key_c');
SELECT smpc.add_peer('g_wait', 'node_b', :'unreachable', :'key_b');
SET smpc.timeout = '1s';
DO $$
DECLARE
	st text;
	msg text;
	det text;
BEGIN
	PERFORM smpc_sum(i4, 'g_wait', 'timeout') FROM t;
	RAISE NOTICE 'no error';
EXCEPTION WHEN others THEN
	GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, det = PG_EXCEPTION_DETAIL;
	RAISE NOTICE 'SQLSTATE %: %', st, msg;
	RAISE NOTICE 'detail: %', split_part(det, ' Last error for ', 1);
END
$$;
\set VERBOSITY terse
SELECT smpc_count_rows('g_wait') FROM t;
\set VERBOSITY default
RESET smpc.timeout;

--
-- Cancellation: statement_timeout ends the wait
--
SET smpc.timeout = '30s';
SET statement_timeout = '1s';
SELECT smpc_avg(i2, 'g_wait', 'cancel') FROM t;
RESET statement_timeout;
RESET smpc.timeout;

--
-- smpc.history: one row per computation the worker was asked for, written
-- shortly after the query returned.  Wait for the last one (cancelled).
--
DO $$
BEGIN
	FOR i IN 1 .. 600 LOOP
		PERFORM 1 FROM smpc.history WHERE status = 'cancelled';
		EXIT WHEN FOUND;
		PERFORM pg_sleep(0.1);
	END LOOP;
END
$$;
SELECT left(group_name, 16) AS group_name, aggregate, left(label, 16) AS label,
       participants, status,
       computation_id IS NULL AS no_id, finished >= started AS ordered,
       split_part(error, ' Last error for ', 1) AS error
  FROM smpc.history ORDER BY started, finished;
SELECT status, count(*) FROM smpc.history GROUP BY status ORDER BY status COLLATE "C";
