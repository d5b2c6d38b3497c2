--
-- setup: the extension and its objects.
--
-- pg_regress runs with --load-extension=smpc, so the extension already
-- exists; drop it and create it again to exercise CREATE EXTENSION.
--
SELECT extname, extversion, extnamespace::regnamespace, extrelocatable
  FROM pg_extension WHERE extname = 'smpc';
DROP EXTENSION smpc;
CREATE EXTENSION smpc;
-- a second time is an error
CREATE EXTENSION smpc;
SELECT extname, extversion, extnamespace::regnamespace
  FROM pg_extension WHERE extname = 'smpc';

-- the library is preloaded: its settings are known
SHOW smpc.database;
SHOW smpc.timeout;
SELECT name, setting, unit, context, vartype, min_val, max_val
  FROM pg_settings WHERE name LIKE 'smpc.%' ORDER BY name;
-- the fault injection of the tests takes named faults only, from superusers
SET smpc.fault_injection = 'no_such_fault';
CREATE ROLE smpc_regress_plain;
SET ROLE smpc_regress_plain;
SET smpc.fault_injection = 'hold_sums';
RESET ROLE;
DROP ROLE smpc_regress_plain;
SHOW smpc.fault_injection;
-- an unknown setting in the reserved prefix is refused
SET smpc.no_such_setting = 1;
-- smpc.timeout has a lower limit of 100ms
SET smpc.timeout = '10ms';

-- every object of the extension, in a stable order
SELECT object FROM (
  SELECT pg_describe_object(classid, objid, objsubid) AS object
    FROM pg_depend
   WHERE refclassid = 'pg_extension'::regclass
     AND refobjid = (SELECT oid FROM pg_extension WHERE extname = 'smpc')
     AND deptype = 'e') s
 ORDER BY object COLLATE "C";

-- the functions of schema smpc with their results and attributes
SELECT p.oid::regprocedure AS function, p.prorettype::regtype AS returns,
       p.prokind, l.lanname, p.provolatile, p.proisstrict, p.prosecdef, p.proparallel
  FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
 WHERE p.pronamespace = 'smpc'::regnamespace
 ORDER BY p.proname COLLATE "C", p.oid::regprocedure::text COLLATE "C";

-- the tables and views of schema smpc, and their columns
SELECT c.relname, c.relkind, a.attnum, a.attname, format_type(a.atttypid, a.atttypmod) AS type
  FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid
 WHERE c.relnamespace = 'smpc'::regnamespace AND c.relkind IN ('r', 'v')
   AND a.attnum > 0 AND NOT a.attisdropped
 ORDER BY c.relname COLLATE "C", a.attnum;

-- the aggregates live in public
SELECT p.oid::regprocedure AS aggregate, p.prorettype::regtype AS returns
  FROM pg_proc p
 WHERE p.prokind = 'a' AND p.proname LIKE 'smpc\_%'
 ORDER BY p.proname COLLATE "C", p.oid::regprocedure::text COLLATE "C";

-- nothing in schema smpc is granted to PUBLIC except USAGE on the schema
-- and the aggregates' support functions
SELECT has_schema_privilege('public', 'smpc', 'USAGE') AS schema_usage;
SELECT c.relname, has_table_privilege('public', c.oid, 'SELECT') AS public_select
  FROM pg_class c
 WHERE c.relnamespace = 'smpc'::regnamespace AND c.relkind IN ('r', 'v')
 ORDER BY c.relname COLLATE "C";
SELECT p.oid::regprocedure AS function
  FROM pg_proc p
 WHERE p.pronamespace = 'smpc'::regnamespace
   AND NOT has_function_privilege('public', p.oid, 'EXECUTE')
 ORDER BY p.proname COLLATE "C", p.oid::regprocedure::text COLLATE "C";

-- the configuration tables are dumped by pg_dump
SELECT extconfig::regclass[] FROM pg_extension WHERE extname = 'smpc';

--
-- Wait for the background worker to run in this database.  The temporary
-- instance starts before pg_regress creates the database: the launcher
-- waits for it, then starts the worker in it.
--
DO $$
BEGIN
	FOR i IN 1 .. 600 LOOP
		PERFORM 1 FROM pg_stat_activity
		  WHERE backend_type = 'smpc worker' AND datname = current_database();
		EXIT WHEN FOUND;
		PERFORM pg_sleep(0.1);
		PERFORM pg_stat_clear_snapshot();
	END LOOP;
END
$$;
SELECT backend_type, datname, application_name
  FROM pg_stat_activity WHERE backend_type = 'smpc worker';
-- the launcher is connected to no database
SELECT backend_type, datname IS NULL AS no_database
  FROM pg_stat_activity WHERE backend_type = 'smpc launcher';
