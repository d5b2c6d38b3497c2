/*
 * smpc 0.3 -> 0.4: order statistics (smpc_percentile_disc,
 * smpc_percentile_cont, smpc_median) and the auction clearing price
 * (smpc_clearing_price, smpc_clearing_volume), computed by a search over
 * the value domain in which each member counts its own rows and only
 * summed counts are compared (ostat.c, search.c); and the peer group
 * setting clearing_volume.
 */
\echo Use "ALTER EXTENSION smpc UPDATE TO '0.4'" to load this file. \quit

/* Whether smpc_clearing_volume may release the traded volume; members must agree. */
ALTER TABLE smpc.peer_group ADD COLUMN clearing_volume boolean NOT NULL DEFAULT false;

CREATE OR REPLACE VIEW smpc.peer_groups AS
	SELECT g.name, g.min_parties,
		   1 + (SELECT count(*) FROM smpc.peer p WHERE p.group_name = g.name)::integer AS members,
		   g.max_colluders, g.min_cell_count, g.created, g.clearing_volume
	FROM smpc.peer_group g;
COMMENT ON VIEW smpc.peer_groups IS 'peer groups; members counts this node too';

CREATE FUNCTION smpc.allow_clearing_volume(group_name text, allow boolean DEFAULT true)
	RETURNS void
	LANGUAGE plpgsql
	SECURITY DEFINER SET search_path = pg_catalog, pg_temp
	AS $$
BEGIN
	IF allow IS NULL THEN
		RAISE EXCEPTION 'allow must not be NULL'
			USING ERRCODE = 'null_value_not_allowed';
	END IF;
	UPDATE smpc.peer_group g SET clearing_volume = allow
		WHERE g.name = allow_clearing_volume.group_name;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'peer group "%" does not exist', group_name
			USING ERRCODE = 'undefined_object',
				  HINT = 'Create it with smpc.create_peer_group().';
	END IF;
END
$$;
COMMENT ON FUNCTION smpc.allow_clearing_volume(text, boolean) IS
	'let smpc_clearing_volume release the volume traded at the clearing price (every member of the group must agree)';
REVOKE ALL ON FUNCTION smpc.allow_clearing_volume(text, boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION smpc.allow_clearing_volume(text, boolean) TO smpc_admin;

/*
 * The percentiles are ordered-set aggregates shaped like PostgreSQL's own:
 * the transition function keeps every row's order key; the final function
 * gets the direct arguments (fraction, group, label).
 */
CREATE FUNCTION smpc.ostat_osa_trans(internal, anyelement) RETURNS internal
	AS 'MODULE_PATHNAME', 'smpc_ostat_osa_trans' LANGUAGE C PARALLEL SAFE;
COMMENT ON FUNCTION smpc.ostat_osa_trans(internal, anyelement) IS 'smpc percentile transition: keep the order key of the row';

CREATE FUNCTION smpc.pct_disc_final(internal, float8, text, anyelement) RETURNS anyelement
	AS 'MODULE_PATHNAME', 'smpc_pct_disc_final' LANGUAGE C PARALLEL SAFE;
COMMENT ON FUNCTION smpc.pct_disc_final(internal, float8, text, anyelement) IS 'run the joint search and return the discrete percentile';
CREATE FUNCTION smpc.pct_disc_multi_final(internal, float8[], text, anyelement) RETURNS anyarray
	AS 'MODULE_PATHNAME', 'smpc_pct_disc_multi_final' LANGUAGE C PARALLEL SAFE;
COMMENT ON FUNCTION smpc.pct_disc_multi_final(internal, float8[], text, anyelement) IS 'run the joint search and return the discrete percentiles';
CREATE FUNCTION smpc.pct_cont_final(internal, float8, text, float8) RETURNS float8
	AS 'MODULE_PATHNAME', 'smpc_pct_cont_final' LANGUAGE C PARALLEL SAFE;
COMMENT ON FUNCTION smpc.pct_cont_final(internal, float8, text, float8) IS 'run the joint search and return the continuous percentile';
CREATE FUNCTION smpc.pct_cont_multi_final(internal, float8[], text, float8) RETURNS float8[]
	AS 'MODULE_PATHNAME', 'smpc_pct_cont_multi_final' LANGUAGE C PARALLEL SAFE;
COMMENT ON FUNCTION smpc.pct_cont_multi_final(internal, float8[], text, float8) IS 'run the joint search and return the continuous percentiles';
CREATE FUNCTION smpc.pct_disc_final(internal, float8, text, text, anyelement) RETURNS anyelement
	AS 'MODULE_PATHNAME', 'smpc_pct_disc_final' LANGUAGE C PARALLEL SAFE;
COMMENT ON FUNCTION smpc.pct_disc_final(internal, float8, text, text, anyelement) IS 'run the joint search and return the discrete percentile';
CREATE FUNCTION smpc.pct_disc_multi_final(internal, float8[], text, text, anyelement) RETURNS anyarray
	AS 'MODULE_PATHNAME', 'smpc_pct_disc_multi_final' LANGUAGE C PARALLEL SAFE;
COMMENT ON FUNCTION smpc.pct_disc_multi_final(internal, float8[], text, text, anyelement) IS 'run the joint search and return the discrete percentiles';
CREATE FUNCTION smpc.pct_cont_final(internal, float8, text, text, float8) RETURNS float8
	AS 'MODULE_PATHNAME', 'smpc_pct_cont_final' LANGUAGE C PARALLEL SAFE;
COMMENT ON FUNCTION smpc.pct_cont_final(internal, float8, text, text, float8) IS 'run the joint search and return the continuous percentile';
CREATE FUNCTION smpc.pct_cont_multi_final(internal, float8[], text, text, float8) RETURNS float8[]
	AS 'MODULE_PATHNAME', 'smpc_pct_cont_multi_final' LANGUAGE C PARALLEL SAFE;
COMMENT ON FUNCTION smpc.pct_cont_multi_final(internal, float8[], text, text, float8) IS 'run the joint search and return the continuous percentiles';

CREATE AGGREGATE public.smpc_percentile_disc(float8, text ORDER BY anyelement) (
	SFUNC = smpc.ostat_osa_trans, STYPE = internal, FINALFUNC = smpc.pct_disc_final,
	FINALFUNC_EXTRA, FINALFUNC_MODIFY = SHAREABLE);
COMMENT ON AGGREGATE public.smpc_percentile_disc(float8, text ORDER BY anyelement) IS 'joint discrete percentile over all members of a peer group';
CREATE AGGREGATE public.smpc_percentile_disc(float8[], text ORDER BY anyelement) (
	SFUNC = smpc.ostat_osa_trans, STYPE = internal, FINALFUNC = smpc.pct_disc_multi_final,
	FINALFUNC_EXTRA, FINALFUNC_MODIFY = SHAREABLE);
COMMENT ON AGGREGATE public.smpc_percentile_disc(float8[], text ORDER BY anyelement) IS 'joint discrete percentiles over all members of a peer group';
CREATE AGGREGATE public.smpc_percentile_cont(float8, text ORDER BY float8) (
	SFUNC = smpc.ostat_osa_trans, STYPE = internal, FINALFUNC = smpc.pct_cont_final,
	FINALFUNC_EXTRA, FINALFUNC_MODIFY = SHAREABLE);
COMMENT ON AGGREGATE public.smpc_percentile_cont(float8, text ORDER BY float8) IS 'joint continuous percentile over all members of a peer group';
CREATE AGGREGATE public.smpc_percentile_cont(float8[], text ORDER BY float8) (
	SFUNC = smpc.ostat_osa_trans, STYPE = internal, FINALFUNC = smpc.pct_cont_multi_final,
	FINALFUNC_EXTRA, FINALFUNC_MODIFY = SHAREABLE);
COMMENT ON AGGREGATE public.smpc_percentile_cont(float8[], text ORDER BY float8) IS 'joint continuous percentiles over all members of a peer group';
CREATE AGGREGATE public.smpc_percentile_disc(float8, text, text ORDER BY anyelement) (
	SFUNC = smpc.ostat_osa_trans, STYPE = internal, FINALFUNC = smpc.pct_disc_final,
	FINALFUNC_EXTRA, FINALFUNC_MODIFY = SHAREABLE);
COMMENT ON AGGREGATE public.smpc_percentile_disc(float8, text, text ORDER BY anyelement) IS 'joint discrete percentile over all members of a peer group, with a label';
CREATE AGGREGATE public.smpc_percentile_disc(float8[], text, text ORDER BY anyelement) (
	SFUNC = smpc.ostat_osa_trans, STYPE = internal, FINALFUNC = smpc.pct_disc_multi_final,
	FINALFUNC_EXTRA, FINALFUNC_MODIFY = SHAREABLE);
COMMENT ON AGGREGATE public.smpc_percentile_disc(float8[], text, text ORDER BY anyelement) IS 'joint discrete percentiles over all members of a peer group, with a label';
CREATE AGGREGATE public.smpc_percentile_cont(float8, text, text ORDER BY float8) (
	SFUNC = smpc.ostat_osa_trans, STYPE = internal, FINALFUNC = smpc.pct_cont_final,
	FINALFUNC_EXTRA, FINALFUNC_MODIFY = SHAREABLE);
COMMENT ON AGGREGATE public.smpc_percentile_cont(float8, text, text ORDER BY float8) IS 'joint continuous percentile over all members of a peer group, with a label';
CREATE AGGREGATE public.smpc_percentile_cont(float8[], text, text ORDER BY float8) (
	SFUNC = smpc.ostat_osa_trans, STYPE = internal, FINALFUNC = smpc.pct_cont_multi_final,
	FINALFUNC_EXTRA, FINALFUNC_MODIFY = SHAREABLE);
COMMENT ON AGGREGATE public.smpc_percentile_cont(float8[], text, text ORDER BY float8) IS 'joint continuous percentiles over all members of a peer group, with a label';

/* smpc_median: percentile_cont(0.5) over the values cast to float8 */
CREATE FUNCTION smpc.ostat_trans(internal, anyelement, text) RETURNS internal
	AS 'MODULE_PATHNAME', 'smpc_ostat_trans' LANGUAGE C PARALLEL SAFE;
COMMENT ON FUNCTION smpc.ostat_trans(internal, anyelement, text) IS 'smpc_median transition: keep the order key of the row';
CREATE FUNCTION smpc.ostat_trans(internal, anyelement, text, text) RETURNS internal
	AS 'MODULE_PATHNAME', 'smpc_ostat_trans' LANGUAGE C PARALLEL SAFE;
COMMENT ON FUNCTION smpc.ostat_trans(internal, anyelement, text, text) IS 'smpc_median transition: keep the order key of the row';
CREATE FUNCTION smpc.median_final(internal) RETURNS float8
	AS 'MODULE_PATHNAME', 'smpc_median_final' LANGUAGE C PARALLEL SAFE;
COMMENT ON FUNCTION smpc.median_final(internal) IS 'run the joint search and return the median';

CREATE AGGREGATE public.smpc_median(int2, text) (
	SFUNC = smpc.ostat_trans, STYPE = internal, FINALFUNC = smpc.median_final,
	FINALFUNC_MODIFY = SHAREABLE);
COMMENT ON AGGREGATE public.smpc_median(int2, text) IS 'joint median over all members of a peer group';
CREATE AGGREGATE public.smpc_median(int2, text, text) (
	SFUNC = smpc.ostat_trans, STYPE = internal, FINALFUNC = smpc.median_final,
	FINALFUNC_MODIFY = SHAREABLE);
COMMENT ON AGGREGATE public.smpc_median(int2, text, text) IS 'joint median over all members of a peer group, with a label';
CREATE AGGREGATE public.smpc_median(int4, text) (
	SFUNC = smpc.ostat_trans, STYPE = internal, FINALFUNC = smpc.median_final,
	FINALFUNC_MODIFY = SHAREABLE);
COMMENT ON AGGREGATE public.smpc_median(int4, text) IS 'joint median over all members of a peer group';
CREATE AGGREGATE public.smpc_median(int4, text, text) (
	SFUNC = smpc.ostat_trans, STYPE = internal, FINALFUNC = smpc.median_final,
	FINALFUNC_MODIFY = SHAREABLE);
COMMENT ON AGGREGATE public.smpc_median(int4, text, text) IS 'joint median over all members of a peer group, with a label';
CREATE AGGREGATE public.smpc_median(int8, text) (
	SFUNC = smpc.ostat_trans, STYPE = internal, FINALFUNC = smpc.median_final,
	FINALFUNC_MODIFY = SHAREABLE);
COMMENT ON AGGREGATE public.smpc_median(int8, text) IS 'joint median over all members of a peer group';
CREATE AGGREGATE public.smpc_median(int8, text, text) (
	SFUNC = smpc.ostat_trans, STYPE = internal, FINALFUNC = smpc.median_final,
	FINALFUNC_MODIFY = SHAREABLE);
COMMENT ON AGGREGATE public.smpc_median(int8, text, text) IS 'joint median over all members of a peer group, with a label';
CREATE AGGREGATE public.smpc_median(numeric, text) (
	SFUNC = smpc.ostat_trans, STYPE = internal, FINALFUNC = smpc.median_final,
	FINALFUNC_MODIFY = SHAREABLE);
COMMENT ON AGGREGATE public.smpc_median(numeric, text) IS 'joint median over all members of a peer group';
CREATE AGGREGATE public.smpc_median(numeric, text, text) (
	SFUNC = smpc.ostat_trans, STYPE = internal, FINALFUNC = smpc.median_final,
	FINALFUNC_MODIFY = SHAREABLE);
COMMENT ON AGGREGATE public.smpc_median(numeric, text, text) IS 'joint median over all members of a peer group, with a label';
CREATE AGGREGATE public.smpc_median(float4, text) (
	SFUNC = smpc.ostat_trans, STYPE = internal, FINALFUNC = smpc.median_final,
	FINALFUNC_MODIFY = SHAREABLE);
COMMENT ON AGGREGATE public.smpc_median(float4, text) IS 'joint median over all members of a peer group';
CREATE AGGREGATE public.smpc_median(float4, text, text) (
	SFUNC = smpc.ostat_trans, STYPE = internal, FINALFUNC = smpc.median_final,
	FINALFUNC_MODIFY = SHAREABLE);
COMMENT ON AGGREGATE public.smpc_median(float4, text, text) IS 'joint median over all members of a peer group, with a label';
CREATE AGGREGATE public.smpc_median(float8, text) (
	SFUNC = smpc.ostat_trans, STYPE = internal, FINALFUNC = smpc.median_final,
	FINALFUNC_MODIFY = SHAREABLE);
COMMENT ON AGGREGATE public.smpc_median(float8, text) IS 'joint median over all members of a peer group';
CREATE AGGREGATE public.smpc_median(float8, text, text) (
	SFUNC = smpc.ostat_trans, STYPE = internal, FINALFUNC = smpc.median_final,
	FINALFUNC_MODIFY = SHAREABLE);
COMMENT ON AGGREGATE public.smpc_median(float8, text, text) IS 'joint median over all members of a peer group, with a label';

/*
 * The clearing price: rows of bids (side 'buy' or 'sell', price, quantity);
 * the grid is a constant of the call.
 */
CREATE FUNCTION smpc.clearing_trans(internal, text, numeric, numeric, text, numeric[]) RETURNS internal
	AS 'MODULE_PATHNAME', 'smpc_clearing_trans' LANGUAGE C PARALLEL SAFE;
COMMENT ON FUNCTION smpc.clearing_trans(internal, text, numeric, numeric, text, numeric[]) IS 'smpc_clearing_price transition: keep the bid';
CREATE FUNCTION smpc.clearing_trans(internal, text, numeric, numeric, text, numeric[], text) RETURNS internal
	AS 'MODULE_PATHNAME', 'smpc_clearing_trans' LANGUAGE C PARALLEL SAFE;
COMMENT ON FUNCTION smpc.clearing_trans(internal, text, numeric, numeric, text, numeric[], text) IS 'smpc_clearing_price transition: keep the bid';
CREATE FUNCTION smpc.clearing_price_final(internal) RETURNS numeric
	AS 'MODULE_PATHNAME', 'smpc_clearing_price_final' LANGUAGE C PARALLEL SAFE;
COMMENT ON FUNCTION smpc.clearing_price_final(internal) IS 'run the joint search and return the clearing price';
CREATE FUNCTION smpc.clearing_volume_final(internal) RETURNS numeric
	AS 'MODULE_PATHNAME', 'smpc_clearing_volume_final' LANGUAGE C PARALLEL SAFE;
COMMENT ON FUNCTION smpc.clearing_volume_final(internal) IS 'run the joint search and return the volume traded at the clearing price';

CREATE AGGREGATE public.smpc_clearing_price(text, numeric, numeric, text, numeric[]) (
	SFUNC = smpc.clearing_trans, STYPE = internal, FINALFUNC = smpc.clearing_price_final,
	FINALFUNC_MODIFY = SHAREABLE);
COMMENT ON AGGREGATE public.smpc_clearing_price(text, numeric, numeric, text, numeric[]) IS 'joint auction clearing price: the smallest grid price at which supply meets demand';
CREATE AGGREGATE public.smpc_clearing_price(text, numeric, numeric, text, numeric[], text) (
	SFUNC = smpc.clearing_trans, STYPE = internal, FINALFUNC = smpc.clearing_price_final,
	FINALFUNC_MODIFY = SHAREABLE);
COMMENT ON AGGREGATE public.smpc_clearing_price(text, numeric, numeric, text, numeric[], text) IS 'joint auction clearing price: the smallest grid price at which supply meets demand, with a label';
CREATE AGGREGATE public.smpc_clearing_volume(text, numeric, numeric, text, numeric[]) (
	SFUNC = smpc.clearing_trans, STYPE = internal, FINALFUNC = smpc.clearing_volume_final,
	FINALFUNC_MODIFY = SHAREABLE);
COMMENT ON AGGREGATE public.smpc_clearing_volume(text, numeric, numeric, text, numeric[]) IS 'volume traded at the joint clearing price (if the peer group allows it)';
CREATE AGGREGATE public.smpc_clearing_volume(text, numeric, numeric, text, numeric[], text) (
	SFUNC = smpc.clearing_trans, STYPE = internal, FINALFUNC = smpc.clearing_volume_final,
	FINALFUNC_MODIFY = SHAREABLE);
COMMENT ON AGGREGATE public.smpc_clearing_volume(text, numeric, numeric, text, numeric[], text) IS 'volume traded at the joint clearing price (if the peer group allows it), with a label';

/* like the other aggregates: for smpc_benchmark, not for everyone */
REVOKE EXECUTE ON FUNCTION public.smpc_percentile_disc(float8, text, anyelement) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_percentile_disc(float8, text, anyelement) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_percentile_disc(float8[], text, anyelement) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_percentile_disc(float8[], text, anyelement) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_percentile_cont(float8, text, float8) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_percentile_cont(float8, text, float8) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_percentile_cont(float8[], text, float8) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_percentile_cont(float8[], text, float8) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_percentile_disc(float8, text, text, anyelement) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_percentile_disc(float8, text, text, anyelement) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_percentile_disc(float8[], text, text, anyelement) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_percentile_disc(float8[], text, text, anyelement) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_percentile_cont(float8, text, text, float8) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_percentile_cont(float8, text, text, float8) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_percentile_cont(float8[], text, text, float8) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_percentile_cont(float8[], text, text, float8) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_median(int2, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_median(int2, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_median(int2, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_median(int2, text, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_median(int4, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_median(int4, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_median(int4, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_median(int4, text, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_median(int8, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_median(int8, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_median(int8, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_median(int8, text, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_median(numeric, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_median(numeric, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_median(numeric, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_median(numeric, text, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_median(float4, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_median(float4, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_median(float4, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_median(float4, text, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_median(float8, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_median(float8, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_median(float8, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_median(float8, text, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_clearing_price(text, numeric, numeric, text, numeric[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_clearing_price(text, numeric, numeric, text, numeric[]) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_clearing_price(text, numeric, numeric, text, numeric[], text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_clearing_price(text, numeric, numeric, text, numeric[], text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_clearing_volume(text, numeric, numeric, text, numeric[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_clearing_volume(text, numeric, numeric, text, numeric[]) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_clearing_volume(text, numeric, numeric, text, numeric[], text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_clearing_volume(text, numeric, numeric, text, numeric[], text) TO smpc_benchmark;

-- The support functions of the new aggregates, like every other function
-- of schema smpc, are no one's to call directly.
REVOKE ALL ON FUNCTION smpc.ostat_osa_trans(internal, anyelement),
	smpc.pct_disc_final(internal, float8, text, anyelement),
	smpc.pct_disc_multi_final(internal, float8[], text, anyelement),
	smpc.pct_cont_final(internal, float8, text, float8),
	smpc.pct_cont_multi_final(internal, float8[], text, float8),
	smpc.pct_disc_final(internal, float8, text, text, anyelement),
	smpc.pct_disc_multi_final(internal, float8[], text, text, anyelement),
	smpc.pct_cont_final(internal, float8, text, text, float8),
	smpc.pct_cont_multi_final(internal, float8[], text, text, float8),
	smpc.ostat_trans(internal, anyelement, text),
	smpc.ostat_trans(internal, anyelement, text, text),
	smpc.median_final(internal),
	smpc.clearing_trans(internal, text, numeric, numeric, text, numeric[]),
	smpc.clearing_trans(internal, text, numeric, numeric, text, numeric[], text),
	smpc.clearing_price_final(internal),
	smpc.clearing_volume_final(internal) FROM PUBLIC;
