--
-- ostat: order statistics and the clearing price on one server.  The peers
-- of g1 are never reachable; what this file shows is the API and the
-- errors raised before anything is shared.  The joint results are
-- compared with percentile_disc, percentile_cont and the plain SQL
-- definition of the clearing price in test/t/030_order_stats.pl and
-- test/t/031_order_stats_five.pl, with real servers.
--

CREATE TABLE os (dept text, i2 int2, i4 int4, i8 int8, n numeric, f4 float4, f8 float8,
                 d date, ts timestamp, tz timestamptz, t text);
INSERT INTO os
SELECT 'dept' || (i % 3), i, i * 10, i * 1000000000000, i / 8.0, i / 4.0, i / 8.0,
       date '2024-01-01' + i, timestamp '2024-01-01' + i * interval '1 hour',
       timestamptz '2024-01-01 00:00+00' + i * interval '1 minute', 't' || i
  FROM generate_series(1, 30) i;
CREATE TABLE bids (side text, price numeric, qty numeric);
INSERT INTO bids VALUES ('buy', 10, 5), ('buy', 12, 3), ('sell', 9, 4), ('sell', 11, 6);

--
-- The aggregates and their result types, as PostgreSQL's own
--
SELECT p.oid::regprocedure AS aggregate, p.prorettype::regtype AS returns, a.aggkind,
       a.aggnumdirectargs AS direct, a.aggfinalfn
  FROM pg_proc p JOIN pg_aggregate a ON a.aggfnoid = p.oid
 WHERE p.proname IN ('smpc_percentile_disc', 'smpc_percentile_cont', 'smpc_median',
                     'smpc_clearing_price', 'smpc_clearing_volume')
 ORDER BY p.proname, p.oid::regprocedure::text COLLATE "C";

--
-- Errors before anything is shared
--
-- the fraction, as PostgreSQL checks it
SELECT smpc_percentile_disc(1.5, 'g1') WITHIN GROUP (ORDER BY i4) FROM os;
SELECT smpc_percentile_disc(-0.1, 'g1') WITHIN GROUP (ORDER BY i4) FROM os;
SELECT smpc_percentile_cont('NaN'::float8, 'g1') WITHIN GROUP (ORDER BY f8) FROM os;
SELECT smpc_percentile_disc(ARRAY[0.5, 2], 'g1') WITHIN GROUP (ORDER BY i4) FROM os;
SELECT smpc_percentile_cont(ARRAY[0.5, -1], 'g1', 'label') WITHIN GROUP (ORDER BY f8) FROM os;
-- a NULL fraction gives NULL, as percentile_disc's
SELECT smpc_percentile_disc(NULL::float8, 'g1') WITHIN GROUP (ORDER BY i4) FROM os;
SELECT smpc_percentile_cont(NULL::float8[], 'g1') WITHIN GROUP (ORDER BY f8) FROM os;
-- types without order keys
SELECT smpc_percentile_disc(0.5, 'g1') WITHIN GROUP (ORDER BY t) FROM os;
SELECT smpc_percentile_disc(0.5, 'g1') WITHIN GROUP (ORDER BY interval '1 day' * i4) FROM os;
-- numeric within the limits of order keys
SELECT smpc_percentile_disc(0.5, 'g1') WITHIN GROUP (ORDER BY n / 3) FROM os;
SELECT smpc_median(n * 1e16, 'g1') FROM os;
-- group and label must not be NULL
SELECT smpc_percentile_disc(0.5, NULL) WITHIN GROUP (ORDER BY i4) FROM os;
SELECT smpc_percentile_disc(0.5, 'g1', NULL) WITHIN GROUP (ORDER BY i4) FROM os;
SELECT smpc_median(i4, NULL) FROM os;
-- an unknown group, found by the worker
SELECT smpc_percentile_disc(0.5, 'no_such_group') WITHIN GROUP (ORDER BY i4) FROM os;
SELECT smpc_median(f8, 'no_such_group', 'label') FROM os;
-- not in GROUP BY queries, not as window functions
SELECT dept, smpc_median(i4, 'g1') FROM os GROUP BY dept;
SELECT dept, smpc_percentile_disc(0.5, 'g1', dept) WITHIN GROUP (ORDER BY i4) FROM os GROUP BY dept;
SELECT smpc_median(i4, 'g1') OVER () FROM os;

-- the bids
SELECT smpc_clearing_price(side, price, qty, 'g1', ARRAY[]::numeric[]) FROM bids;
SELECT smpc_clearing_price(side, price, qty, 'g1', NULL) FROM bids;
SELECT smpc_clearing_price(side, price, qty, 'g1', ARRAY[10, NULL]) FROM bids;
SELECT smpc_clearing_price(side, price, qty, 'g1', ARRAY[10, 'NaN']::numeric[]) FROM bids;
SELECT smpc_clearing_price(side, price, qty, 'g1', ARRAY[10, price]) FROM bids;
SELECT smpc_clearing_price(upper(side), price, qty, 'g1', ARRAY[10, 11]) FROM bids;
SELECT smpc_clearing_price(side, price, -qty, 'g1', ARRAY[10, 11]) FROM bids;
SELECT smpc_clearing_price(side, price, qty / 3, 'g1', ARRAY[10, 11]) FROM bids;
SELECT smpc_clearing_price(side, price * 1e15, qty, 'g1', ARRAY[10, 11]) FROM bids;
SELECT smpc_clearing_price(side, price, qty, 'g1', (SELECT array_agg(g) FROM generate_series(1, 100001) g)) FROM bids;
SELECT smpc_clearing_price(side, price, qty, 'no_such_group', ARRAY[10, 11]) FROM bids;
-- the volume: a group setting, off by default
SELECT name, clearing_volume FROM smpc.peer_groups ORDER BY name COLLATE "C";
SELECT smpc.allow_clearing_volume('no_such_group');
SELECT smpc.allow_clearing_volume('g1', NULL);
-- the volume needs the setting: refused before anything is shared
SELECT smpc_clearing_volume(side, price, qty, 'g1', ARRAY[10, 11]) FROM bids;
SELECT smpc.allow_clearing_volume('g1');
SELECT name, clearing_volume FROM smpc.peer_groups WHERE name = 'g1';
SELECT smpc.allow_clearing_volume('g1', false);
SELECT name, clearing_volume FROM smpc.peer_groups WHERE name = 'g1';
