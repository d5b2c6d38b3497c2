/*
 * smpc 0.2 -> 0.3: GROUP BY queries with smpc aggregates run every group
 * and every smpc aggregate of the query as one joint computation (the
 * planner hook and executor node live in the library); this adds the
 * function that shows the joint result of every agreed key.
 */
\echo Use "ALTER EXTENSION smpc UPDATE TO '0.3'" to load this file. \quit

/*
 * The joint results of the last GROUP BY computation(s) of this session:
 * one row per agreed key (also the keys this member has no rows for) and
 * smpc aggregate of the query.  result is the aggregate's result as text,
 * NULL when it was withheld.
 */
CREATE FUNCTION smpc.group_results(
	OUT peer_group text,
	OUT label text,
	OUT key text[],
	OUT aggregate_no integer,
	OUT aggregate text,
	OUT result text)
RETURNS SETOF record
LANGUAGE C STRICT VOLATILE
AS 'MODULE_PATHNAME', 'smpc_group_results';

COMMENT ON FUNCTION smpc.group_results() IS
'the joint result of every agreed key of the last smpc GROUP BY query of this session';

REVOKE ALL ON FUNCTION smpc.group_results() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION smpc.group_results() TO smpc_admin, smpc_benchmark;
