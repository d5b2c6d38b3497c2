--
-- upgrade: walk the chain 0.1 -> 0.2 -> 0.3 -> 0.4 and compare the result
-- with a fresh installation of 0.4, object by object, in the catalogs.
--
-- Two databases other than smpc.database: smpc_upgrade_walk gets
-- CREATE EXTENSION smpc VERSION '0.1' then ALTER EXTENSION smpc UPDATE,
-- smpc_upgrade_fresh gets CREATE EXTENSION smpc.  Both are copies of a
-- template holding the view public.smpc_catalog, one row per fact about
-- the extension's objects, named without OIDs.  The roles smpc_admin,
-- smpc_benchmark and smpc_peer exist already (the scripts skip them).
--
-- Left out on purpose: the position (attnum) of a column, because
-- ALTER TABLE ADD COLUMN puts smpc.peer.unrestricted last (shown apart
-- below), and atthasmissing/attmissingval, how the default of an added
-- column is stored for rows older than the column.
--
\set SHOW_CONTEXT never

CREATE DATABASE smpc_upgrade_template;
\c smpc_upgrade_template
CREATE VIEW public.smpc_catalog (kind, object, fact) AS
WITH member AS (
	SELECT d.classid, d.objid
	  FROM pg_depend d
	 WHERE d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e'
	   AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'smpc')
)
-- the extension itself
SELECT 'extension', e.extname::text,
	   jsonb_build_object('version', e.extversion, 'schema', e.extnamespace::regnamespace::text,
						  'owner', e.extowner::regrole::text, 'relocatable', e.extrelocatable,
						  'config', e.extconfig::regclass[]::text, 'condition', e.extcondition)
  FROM pg_extension e WHERE e.extname = 'smpc'
UNION ALL
-- its schema
SELECT 'schema', n.nspname::text,
	   jsonb_build_object('owner', n.nspowner::regrole::text, 'acl', n.nspacl::text)
  FROM pg_namespace n WHERE n.nspname = 'smpc'
UNION ALL
-- its members
SELECT 'member', pg_describe_object(m.classid, m.objid, 0), NULL
  FROM member m
UNION ALL
-- functions, aggregates included: everything CREATE FUNCTION sets
SELECT 'function', p.oid::regprocedure::text,
	   jsonb_build_object('owner', p.proowner::regrole::text, 'language', l.lanname,
						  'kind', p.prokind, 'security_definer', p.prosecdef,
						  'leakproof', p.proleakproof, 'strict', p.proisstrict,
						  'returns_set', p.proretset, 'volatile', p.provolatile,
						  'parallel', p.proparallel, 'cost', p.procost, 'rows', p.prorows,
						  'support', p.prosupport::text, 'returns', p.prorettype::regtype::text,
						  'all_arg_types', p.proallargtypes::regtype[]::text,
						  'arg_modes', p.proargmodes::text, 'arg_names', p.proargnames::text,
						  'arg_defaults', pg_get_expr(p.proargdefaults, 0),
						  'config', p.proconfig::text, 'src', p.prosrc, 'bin', p.probin,
						  'acl', p.proacl::text)
  FROM member m JOIN pg_proc p ON m.classid = 'pg_proc'::regclass AND p.oid = m.objid
  JOIN pg_language l ON l.oid = p.prolang
UNION ALL
SELECT 'aggregate', a.aggfnoid::regprocedure::text,
	   jsonb_build_object('kind', a.aggkind, 'transfn', a.aggtransfn::text,
						  'finalfn', a.aggfinalfn::text, 'combinefn', a.aggcombinefn::text,
						  'serialfn', a.aggserialfn::text, 'deserialfn', a.aggdeserialfn::text,
						  'finalextra', a.aggfinalextra, 'finalmodify', a.aggfinalmodify,
						  'transtype', a.aggtranstype::regtype::text, 'initval', a.agginitval,
						  'mtransfn', a.aggmtransfn::text, 'sortop', a.aggsortop::text)
  FROM member m JOIN pg_aggregate a ON m.classid = 'pg_proc'::regclass AND a.aggfnoid = m.objid
UNION ALL
-- tables, views, their indexes
SELECT 'relation', c.oid::regclass::text,
	   jsonb_build_object('kind', c.relkind, 'owner', c.relowner::regrole::text,
						  'persistence', c.relpersistence, 'columns', c.relnatts,
						  'options', c.reloptions::text, 'acl', c.relacl::text,
						  'has_toast', c.reltoastrelid <> 0,
						  'view', CASE WHEN c.relkind = 'v' THEN pg_get_viewdef(c.oid) END)
  FROM pg_class c
 WHERE c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = 'smpc')
UNION ALL
SELECT 'index', i.indexrelid::regclass::text,
	   jsonb_build_object('definition', pg_get_indexdef(i.indexrelid),
						  'unique', i.indisunique, 'primary', i.indisprimary)
  FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
 WHERE c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = 'smpc')
UNION ALL
SELECT 'column', c.oid::regclass::text || '.' || a.attname,
	   jsonb_build_object('type', format_type(a.atttypid, a.atttypmod), 'not_null', a.attnotnull,
						  'default', pg_get_expr(ad.adbin, ad.adrelid),
						  'collation', a.attcollation::regcollation::text,
						  'identity', a.attidentity, 'generated', a.attgenerated,
						  'storage', a.attstorage, 'acl', a.attacl::text)
  FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid
  LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
 WHERE c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = 'smpc') AND a.attnum > 0 AND NOT a.attisdropped
UNION ALL
SELECT 'constraint', co.conrelid::regclass::text || ' ' || co.conname,
	   jsonb_build_object('definition', pg_get_constraintdef(co.oid),
						  'deferrable', co.condeferrable, 'validated', co.convalidated)
  FROM pg_constraint co
 WHERE co.connamespace = (SELECT oid FROM pg_namespace WHERE nspname = 'smpc')
UNION ALL
SELECT 'trigger', t.tgrelid::regclass::text || ' ' || t.tgname,
	   jsonb_build_object('definition', pg_get_triggerdef(t.oid), 'enabled', t.tgenabled)
  FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
 WHERE c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = 'smpc') AND NOT t.tgisinternal
UNION ALL
-- comments on members and on their columns
SELECT 'comment', pg_describe_object(ds.classoid, ds.objoid, ds.objsubid),
	   to_jsonb(ds.description)
  FROM pg_description ds JOIN member m ON m.classid = ds.classoid AND m.objid = ds.objoid
UNION ALL
-- the privileges pg_dump takes for the extension's own
SELECT 'initial privileges', pg_describe_object(ip.classoid, ip.objoid, ip.objsubid),
	   jsonb_build_object('type', ip.privtype, 'acl', ip.initprivs::text)
  FROM pg_init_privs ip JOIN member m ON m.classid = ip.classoid AND m.objid = ip.objoid
UNION ALL
-- what each member depends on, toast tables aside (their names hold OIDs)
SELECT 'dependency', pg_describe_object(d.classid, d.objid, d.objsubid),
	   jsonb_build_object('on', pg_describe_object(d.refclassid, d.refobjid, d.refobjsubid),
						  'type', d.deptype)
  FROM pg_depend d JOIN member m ON m.classid = d.classid AND m.objid = d.objid
 WHERE d.deptype <> 'e' AND d.refclassid <> 'pg_namespace'::regclass
   AND pg_describe_object(d.refclassid, d.refobjid, d.refobjsubid) NOT LIKE '%pg_toast%'
UNION ALL
-- and what depends on each member (rules of views, defaults, constraints)
SELECT 'dependent', pg_describe_object(d.classid, d.objid, d.objsubid),
	   jsonb_build_object('on', pg_describe_object(d.refclassid, d.refobjid, d.refobjsubid),
						  'type', d.deptype)
  FROM pg_depend d JOIN member m ON m.classid = d.refclassid AND m.objid = d.refobjid
 WHERE d.deptype <> 'e' AND NOT (d.classid = 'pg_class'::regclass
								  AND pg_describe_object(d.classid, d.objid, d.objsubid) LIKE '%pg_toast%');
\c contrib_regression
CREATE DATABASE smpc_upgrade_walk TEMPLATE smpc_upgrade_template;
CREATE DATABASE smpc_upgrade_fresh TEMPLATE smpc_upgrade_template;

--
-- 0.1, as released, still installs with the 0.2 library: every C symbol
-- its script names is still exported.
--
\c smpc_upgrade_walk
\set SHOW_CONTEXT never
CREATE EXTENSION smpc VERSION '0.1';
SELECT extversion FROM pg_extension WHERE extname = 'smpc';
SELECT l.lanname, p.prosecdef, p.proconfig
  FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
 WHERE p.oid = 'smpc.add_peer(text, text, text, text)'::regprocedure;
SELECT count(*) AS functions_of_0_1 FROM pg_proc WHERE pronamespace = (SELECT oid FROM pg_namespace WHERE nspname = 'smpc');
-- peers added the 0.1 way (add_peer in PL/pgSQL); keys are never shown
SELECT encode(sha256('node_b'), 'base64') AS key_b,
       encode(sha256('node_c'), 'base64') AS key_c,
       encode(sha256('node_d'), 'base64') AS key_d \gset
SELECT smpc.create_peer_group('g_old', min_parties => 2);
SELECT smpc.add_peer('g_old', 'node_b', 'host=peer-b.example port=5432 dbname=smpc user=smpc_peer password=secret', :'key_b');
SELECT smpc.add_peer('g_old', 'node_c', 'host=peer-c.example dbname=smpc passfile=/var/lib/postgresql/.pgpass', :'key_c');
SELECT smpc.add_peer('g_old', 'node_d', 'service=peer_d', :'key_d');
SELECT name, conninfo FROM smpc.peers ORDER BY name;

-- the update: the existing peers are restricted, and a warning says so
ALTER EXTENSION smpc UPDATE TO '0.2';
SELECT extversion FROM pg_extension WHERE extname = 'smpc';
SELECT group_name, name, unrestricted FROM smpc.peer ORDER BY name;
SELECT name, conninfo FROM smpc.peers ORDER BY name;
-- the only difference left: where the new column stands
SELECT attnum, attname FROM pg_attribute
 WHERE attrelid = 'smpc.peer'::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum;
-- then on to 0.3 (smpc.group_results)
ALTER EXTENSION smpc UPDATE TO '0.3';
SELECT extversion FROM pg_extension WHERE extname = 'smpc';
-- and 0.4 (order statistics, the clearing price, clearing_volume)
ALTER EXTENSION smpc UPDATE;
SELECT extversion FROM pg_extension WHERE extname = 'smpc';
-- nothing more to update
ALTER EXTENSION smpc UPDATE TO '0.4';
-- the catalogs as the walk left them, as one psql variable
SELECT count(*) AS facts FROM public.smpc_catalog;
SELECT jsonb_agg(jsonb_build_array(kind, object, fact)) AS walked
  FROM public.smpc_catalog \gset

\c smpc_upgrade_fresh
\set SHOW_CONTEXT never
CREATE EXTENSION smpc;
SELECT extversion FROM pg_extension WHERE extname = 'smpc';
SELECT attnum, attname FROM pg_attribute
 WHERE attrelid = 'smpc.peer'::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum;
SELECT count(*) AS facts FROM public.smpc_catalog;
CREATE TEMP TABLE walked AS
	SELECT f->>0 AS kind, f->>1 AS object, f->2 AS fact
	  FROM jsonb_array_elements(:'walked'::jsonb) f;
CREATE TEMP TABLE fresh AS
	SELECT kind, object, coalesce(fact, 'null'::jsonb) AS fact FROM public.smpc_catalog;
-- facts of each kind, on both sides
SELECT kind, count(*) AS facts FROM fresh GROUP BY kind ORDER BY kind COLLATE "C";
-- what only the walk has, and what only the fresh installation has: nothing
(SELECT 'walk only' AS side, * FROM walked EXCEPT ALL SELECT 'walk only', * FROM fresh)
UNION ALL
(SELECT 'fresh only', * FROM fresh EXCEPT ALL SELECT 'fresh only', * FROM walked)
ORDER BY 1, 2, 3;
-- the comparison sees the objects that changed: a few facts of the walk
SELECT kind, object FROM walked
 WHERE object IN ('smpc.add_peer(text,text,text,text)', 'smpc.mask_conninfo(text)',
				  'smpc.peer.unrestricted', 'smpc.create_peer_login(text,text,integer,text)')
 ORDER BY 1, 2;
SELECT fact->>'language' AS language, fact->>'security_definer' AS security_definer,
	   fact->>'config' AS config, fact->>'src' AS src
  FROM walked WHERE kind = 'function' AND object = 'smpc.add_peer(text,text,text,text)';

\c contrib_regression
DROP DATABASE smpc_upgrade_walk;
DROP DATABASE smpc_upgrade_fresh;
DROP DATABASE smpc_upgrade_template;
