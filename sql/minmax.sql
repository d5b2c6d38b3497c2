--
-- minmax: smpc_min and smpc_max on one server.  The peers of g1 are never
-- reachable, so every computation here fails; what this file shows is the
-- API, the errors raised before anything is shared, and the local plan.
-- The joint results are compared with min() and max() in
-- test/t/025_min_max.pl, with real servers.
--

CREATE TABLE mm (dept text, i2 int2, i4 int4, i8 int8, n numeric, f4 float4, f8 float8,
                 d date, ts timestamp, tz timestamptz);
INSERT INTO mm
SELECT 'dept' || (i % 3), i, i * 10, i * 1000000000000, i / 8.0, i / 4.0, i / 8.0,
       date '2024-01-01' + i, timestamp '2024-01-01' + i * interval '1 hour',
       timestamptz '2024-01-01 00:00+00' + i * interval '1 minute'
  FROM generate_series(1, 300) i;
INSERT INTO mm VALUES ('dept0', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
ANALYZE mm;

--
-- The aggregates: for every input type, with and without a label, the
-- result type of the native min and max
--
SELECT s.proname, s.oid::regprocedure AS aggregate, s.prorettype::regtype AS returns,
       s.prorettype = n.prorettype AS same_as_native, a.aggfinalfn
  FROM pg_proc s
  JOIN pg_aggregate a ON a.aggfnoid = s.oid
  JOIN pg_proc n ON n.proname = substr(s.proname, 6) AND n.prokind = 'a'
   AND n.pronamespace = 'pg_catalog'::regnamespace
   AND n.pronargs = 1 AND n.proargtypes[0] = s.proargtypes[0]
 WHERE s.proname IN ('smpc_min', 'smpc_max')
 ORDER BY s.proname COLLATE "C", s.oid::regprocedure::text COLLATE "C";
-- parallel safe, with combine and serialisation functions
SELECT DISTINCT a.aggtranstype::regtype, a.aggcombinefn, a.aggserialfn, a.aggdeserialfn,
       p.proparallel
  FROM pg_aggregate a JOIN pg_proc p ON p.oid = a.aggfnoid
 WHERE p.proname IN ('smpc_min', 'smpc_max');
-- run by smpc_benchmark, not by PUBLIC
SELECT count(*) AS aggregates,
       count(*) FILTER (WHERE has_function_privilege('smpc_benchmark', oid, 'EXECUTE')) AS for_benchmark,
       count(*) FILTER (WHERE proacl::text LIKE '%=X/%' AND proacl::text NOT LIKE '%smpc_benchmark=X/%') AS for_others
  FROM pg_proc WHERE proname IN ('smpc_min', 'smpc_max');

--
-- Unknown group: the worker answers at once, for every type
--
SELECT smpc_min(i2, 'no_such_group') FROM mm;
SELECT smpc_max(i4, 'no_such_group', 'label') FROM mm;
SELECT smpc_min(i8, 'no_such_group') FROM mm;
SELECT smpc_max(n, 'no_such_group') FROM mm;
SELECT smpc_min(f4, 'no_such_group') FROM mm;
SELECT smpc_max(f8, 'no_such_group') FROM mm;
SELECT smpc_min(d, 'no_such_group') FROM mm;
SELECT smpc_max(ts, 'no_such_group') FROM mm;
SELECT smpc_min(tz, 'no_such_group') FROM mm;
-- no input rows, or only NULLs: the group and label come from the call
SELECT smpc_max(f8, 'no_such_group', 'empty') FROM mm WHERE false;
SELECT smpc_min(n, 'no_such_group') FROM mm WHERE i4 IS NULL;
-- ... and must then be constants
SELECT smpc_max(i4, dept) FROM mm WHERE false;
SELECT smpc_min(d, 'no_such_group', dept) FROM mm WHERE false;
-- group and label arguments as for the other aggregates
SELECT smpc_max(i4, NULL) FROM mm;
SELECT smpc_min(i4, 'g1', NULL) FROM mm;
SELECT smpc_max(i4, repeat('g', 64)) FROM mm;
SELECT smpc_min(i4, 'g1', E'tab\there') FROM mm;
SELECT smpc_max(i4, 'g1', dept) FROM mm;
-- not as window functions
SELECT smpc_max(i4, 'g1') OVER () FROM mm;
-- other input types are not supported (no implicit cast to these types)
SELECT smpc_max(dept, 'g1') FROM mm;
SELECT smpc_min(now()::time, 'g1');

--
-- numeric keys are the value times 10^8 below 10^15 in absolute value.
-- Every row is checked, not only the extreme, before anything is shared
-- and before the group is looked up.
--
SELECT smpc_max(x, 'no_such_group') FROM (VALUES (1.0), (1.000000001), (2.0)) v(x);
SELECT smpc_min(x, 'no_such_group') FROM (VALUES (1.0), (-0.123456789), (2.0)) v(x);
SELECT smpc_max(x, 'no_such_group') FROM (VALUES (1.0), (1e15), (2.0)) v(x);
SELECT smpc_min(x, 'no_such_group') FROM (VALUES (-1.0), (-1000000000000000.5), (-2.0)) v(x);
SELECT smpc_max(x, 'g1', 'label') FROM (VALUES (1e-9::numeric)) v(x);
SELECT smpc_min(x, 'no_such_group') FROM (VALUES (123456789012345678901234567890::numeric)) v(x);
-- in a parallel plan too
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SELECT smpc_max(CASE WHEN i4 = 2000 THEN n / 3 ELSE n END, 'no_such_group') FROM mm;
-- the group NULL is found first, as for the other aggregates
SELECT smpc_max(x, NULL) FROM (VALUES (1.000000001)) v(x);
-- just inside: refused only because the group does not exist
SELECT smpc_max(x, 'no_such_group') FROM (VALUES (999999999999999.99999999), (-999999999999999.99999999)) v(x);
SELECT smpc_min(x, 'no_such_group') FROM (VALUES (0.00000001), (-0.00000001)) v(x);
-- zeros beyond the eighth decimal are fine
SELECT smpc_min(x, 'no_such_group') FROM (VALUES (1.5000000000000000000::numeric)) v(x);
-- NaN and the infinities have keys of their own
SELECT smpc_max(x, 'no_such_group') FROM (VALUES ('NaN'::numeric), ('Infinity'), ('-Infinity')) v(x);
-- floating point and the extreme integers, dates and timestamps need no check
SELECT smpc_max(x, 'no_such_group') FROM (VALUES ('NaN'::float8), ('Infinity'), ('-Infinity'), ('-0')) v(x);
SELECT smpc_min(x, 'no_such_group') FROM (VALUES ('NaN'::float4), ('-Infinity'), ('1e-45')) v(x);
SELECT smpc_min(x, 'no_such_group') FROM (VALUES (9223372036854775807::int8), (-9223372036854775808)) v(x);
SELECT smpc_max(x, 'no_such_group') FROM (VALUES ('infinity'::date), ('-infinity')) v(x);
SELECT smpc_max(x, 'no_such_group') FROM (VALUES ('infinity'::timestamptz), ('-infinity'), ('4714-11-24 00:00+00 BC')) v(x);

--
-- Parallel partial aggregation: the local extremes are combined across
-- parallel workers before the joint computation
--
EXPLAIN (costs off) SELECT smpc_max(n, 'no_such_group', 'parallel') FROM mm;
SELECT smpc_max(n, 'no_such_group', 'parallel') FROM mm;
SELECT smpc_min(ts, 'no_such_group', 'parallel') FROM mm WHERE i4 < 0;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;

--
-- GROUP BY: by sorting, one computation per group, the first fails
--
EXPLAIN (costs off) SELECT dept, smpc_max(i4, 'g1', dept) FROM mm GROUP BY dept;
SELECT dept, smpc_min(d, 'no_such_group', dept) FROM mm GROUP BY dept ORDER BY dept;

--
-- An honest majority: g1 has 4 members and tolerates 3 colluders (NULL:
-- all members but one), so it cannot compare secretly.  The worker says
-- so at once, with or without rows; shown: the SQLSTATE and whether the
-- message, detail and hint name max_colluders and half the members.
--
CREATE FUNCTION pg_temp.majority_error(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	st text;
	msg text;
	det text;
	hint text;
BEGIN
	EXECUTE q;
	RETURN 'no error';
EXCEPTION WHEN others THEN
	GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT,
		det = PG_EXCEPTION_DETAIL, hint = PG_EXCEPTION_HINT;
	RETURN format('%s, names max_colluders: %s, half: %s', st,
				  concat_ws(' ', msg, det, hint) ~ 'max_colluders',
				  concat_ws(' ', msg, det, hint) ~ 'half');
END
$$;
SELECT pg_temp.majority_error($$SELECT smpc_max(i4, 'g1') FROM mm$$);
SELECT pg_temp.majority_error($$SELECT smpc_min(n, 'g1', 'empty') FROM mm WHERE false$$);

--
-- Only smpc_benchmark may run them
--
CREATE ROLE regress_smpc_minmax;
GRANT SELECT ON mm TO regress_smpc_minmax;
SET ROLE regress_smpc_minmax;
SELECT smpc_max(i4, 'no_such_group') FROM mm;
RESET ROLE;
DROP OWNED BY regress_smpc_minmax;
DROP ROLE regress_smpc_minmax;
DROP TABLE mm;
