/* smpc--0.1--0.2.sql: turn an smpc 0.1 installation into what 0.2 installs */

\echo Use "ALTER EXTENSION smpc UPDATE TO '0.2'" to load this file. \quit

/*
 * The library of 0.2 speaks version 2 of the wire protocol and keeps a new
 * serialised aggregate state: every member of a peer group upgrades
 * together, and the server is restarted (shared_preload_libraries) before
 * this script runs.  The regression test upgrade (sql/upgrade.sql) walks
 * 0.1 -> 0.2 and compares the catalogs with a fresh 0.2 installation.
 */

/*
 * Whether a superuser gave a peer's connection string.  ADD COLUMN puts
 * the column last, where a fresh 0.2 installation has it after conninfo;
 * nothing depends on the position (the worker, the views and pg_dump name
 * their columns).
 *
 * Rows of 0.1 get false: 0.1 let every member of smpc_admin, superuser or
 * not, add peers with any connection string, and the table does not say
 * who added which.  Marking them unrestricted would keep, after the
 * upgrade, exactly what 0.2 exists to refuse (a connection string of a
 * non-superuser administrator that makes the worker read the server's
 * password file or certificates, or authenticate with the server's
 * identity).  A superuser who has checked a row lifts the restriction
 * (see the warning below and README, "Upgrading from 0.1").
 */
ALTER TABLE smpc.peer ADD COLUMN unrestricted boolean NOT NULL DEFAULT false;

/*
 * Connection strings of peers: what an administrator who is not a
 * superuser may use is checked in C (conninfo.c) with libpq's own parser.
 */
CREATE FUNCTION smpc.check_conninfo(peer_name text, conninfo text, unrestricted boolean)
	RETURNS void
	AS 'MODULE_PATHNAME', 'smpc_check_conninfo' LANGUAGE C VOLATILE STRICT;
COMMENT ON FUNCTION smpc.check_conninfo(text, text, boolean) IS
	'raise an error if a peer''s connection string is malformed, or uses what only superusers may (unrestricted: given by a superuser)';

/*
 * add_peer_checked does the work of add_peer as the extension's owner.  It
 * is granted to no one: smpc.add_peer (C, SECURITY INVOKER) calls it and
 * tells it whether the calling role is a superuser.
 */
CREATE FUNCTION smpc.add_peer_checked(group_name text, peer_name text, conninfo text,
	public_key text, unrestricted boolean)
	RETURNS void
	LANGUAGE plpgsql
	SECURITY DEFINER SET search_path = pg_catalog, pg_temp
	AS $$
BEGIN
	IF NOT EXISTS (SELECT 1 FROM smpc.peer_group g WHERE g.name = add_peer_checked.group_name) THEN
		RAISE EXCEPTION 'peer group "%" does not exist', group_name
			USING ERRCODE = 'undefined_object',
				  HINT = 'Create it with smpc.create_peer_group().';
	END IF;
	IF peer_name IS NULL OR peer_name !~ '^[A-Za-z0-9_.-]{1,63}$' THEN
		RAISE EXCEPTION 'invalid peer name "%"', peer_name
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'Use 1 to 63 letters, digits, "_", "." or "-".';
	END IF;
	IF conninfo IS NULL OR length(conninfo) = 0 OR length(conninfo) > 1024 THEN
		RAISE EXCEPTION 'invalid connection string for peer "%"', peer_name
			USING ERRCODE = 'invalid_parameter_value',
				  DETAIL = 'The connection string must be between 1 and 1024 characters long.';
	END IF;
	PERFORM smpc.check_conninfo(peer_name, conninfo, unrestricted);
	PERFORM smpc.check_peer_key(peer_name, public_key);
	IF EXISTS (SELECT 1 FROM smpc.peer p WHERE p.group_name = add_peer_checked.group_name
			   AND p.name = add_peer_checked.peer_name) THEN
		RAISE EXCEPTION 'peer "%" already exists in group "%"', peer_name, group_name
			USING ERRCODE = 'duplicate_object',
				  HINT = 'Remove it first with smpc.remove_peer().';
	END IF;
	IF EXISTS (SELECT 1 FROM smpc.peer p WHERE p.group_name = add_peer_checked.group_name
			   AND p.public_key = add_peer_checked.public_key) THEN
		RAISE EXCEPTION 'public key of peer "%" is already used by another peer of group "%"',
			peer_name, group_name
			USING ERRCODE = 'duplicate_object';
	END IF;
	INSERT INTO smpc.peer (group_name, name, conninfo, unrestricted, public_key)
		VALUES (add_peer_checked.group_name, add_peer_checked.peer_name, add_peer_checked.conninfo,
				add_peer_checked.unrestricted, add_peer_checked.public_key);
END
$$;
COMMENT ON FUNCTION smpc.add_peer_checked(text, text, text, text, boolean) IS
	'add a member to a peer group (called by smpc.add_peer, which says whether its caller is a superuser)';

/*
 * add_peer was PL/pgSQL, SECURITY DEFINER with a pinned search_path; it is
 * now C and SECURITY INVOKER.  CREATE OR REPLACE sets every attribute anew
 * (no SECURITY DEFINER, no SET) and keeps its grant to smpc_admin and its
 * comment, which did not change.
 */
CREATE OR REPLACE FUNCTION smpc.add_peer(group_name text, peer_name text, conninfo text, public_key text)
	RETURNS void
	AS 'MODULE_PATHNAME', 'smpc_add_peer' LANGUAGE C VOLATILE;

/*
 * Hide every password given in a connection string: C instead of a regular
 * expression, without SET search_path.  The view smpc.peers keeps calling it.
 */
CREATE OR REPLACE FUNCTION smpc.mask_conninfo(conninfo text) RETURNS text
	AS 'MODULE_PATHNAME', 'smpc_mask_conninfo' LANGUAGE C IMMUTABLE STRICT;
COMMENT ON FUNCTION smpc.mask_conninfo(text) IS
	'a connection string in keyword=value form with every password replaced by asterisks';

/*
 * The peers' login, limited from the start.  SECURITY INVOKER: the caller
 * needs the right to create roles (a superuser, or CREATEROLE).  What the
 * role settings cannot take away (temporary tables, other functions, SET)
 * is refused by smpc itself to every login that is a member of smpc_peer
 * (peerlogin.c).
 */
CREATE FUNCTION smpc.create_peer_login(name text, password text DEFAULT NULL,
	connection_limit integer DEFAULT 16, statement_timeout text DEFAULT '5s')
	RETURNS void
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	is_super boolean;
BEGIN
	IF name IS NULL OR name !~ '^[a-z_][a-z0-9_]{0,62}$' THEN
		RAISE EXCEPTION 'invalid peer login name "%"', name
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'Use 1 to 63 lower-case letters, digits or "_", starting with a letter or "_".';
	END IF;
	IF connection_limit IS NULL OR connection_limit < 1 OR connection_limit > 1000 THEN
		RAISE EXCEPTION 'connection_limit must be between 1 and 1000'
			USING ERRCODE = 'invalid_parameter_value',
				  DETAIL = 'Each member''s worker keeps one connection to this node; allow a few more for reconnections.';
	END IF;
	IF statement_timeout IS NULL OR statement_timeout = '' THEN
		RAISE EXCEPTION 'statement_timeout must be given'
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'A delivery takes milliseconds; the default is 5s.';
	END IF;
	SELECT r.rolsuper INTO is_super FROM pg_roles r WHERE r.rolname = current_user;
	IF NOT is_super AND NOT (SELECT r.rolcreaterole FROM pg_roles r WHERE r.rolname = current_user) THEN
		RAISE EXCEPTION 'permission denied to create peer login "%"', name
			USING ERRCODE = 'insufficient_privilege',
				  DETAIL = 'Creating a login role needs the CREATEROLE attribute or a superuser.',
				  HINT = 'Ask a superuser to run it, or to grant you CREATEROLE.';
	END IF;
	IF EXISTS (SELECT 1 FROM pg_roles r WHERE r.rolname = create_peer_login.name) THEN
		RAISE EXCEPTION 'role "%" already exists', name
			USING ERRCODE = 'duplicate_object';
	END IF;
	EXECUTE format('CREATE ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION '
				   'NOBYPASSRLS INHERIT CONNECTION LIMIT %s PASSWORD %L IN ROLE smpc_peer',
				   name, connection_limit, password);
	EXECUTE format('ALTER ROLE %I SET statement_timeout = %L', name, statement_timeout);
	EXECUTE format('ALTER ROLE %I SET lock_timeout = %L', name, statement_timeout);
	EXECUTE format('ALTER ROLE %I SET idle_in_transaction_session_timeout = %L', name, '10s');
	EXECUTE format('ALTER ROLE %I SET idle_session_timeout = %L', name, '10min');
	EXECUTE format('ALTER ROLE %I SET default_transaction_read_only = on', name);
	IF is_super THEN
		/* keeps each delivered message out of a log that records all statements */
		EXECUTE format('ALTER ROLE %I SET log_statement = %L', name, 'none');
	END IF;
END
$$;
COMMENT ON FUNCTION smpc.create_peer_login(text, text, integer, text) IS
	'create the login the peers connect with: a member of smpc_peer with a connection limit and timeouts, held to smpc.deliver()';

/*
 * Privileges, as smpc--0.2.sql leaves them: its REVOKE ALL ON ALL FUNCTIONS
 * IN SCHEMA smpc FROM PUBLIC ran before these functions existed here.
 * add_peer_checked and check_conninfo are granted to no one.
 */
REVOKE ALL ON FUNCTION smpc.check_conninfo(text, text, boolean),
	smpc.add_peer_checked(text, text, text, text, boolean),
	smpc.create_peer_login(text, text, integer, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION smpc.create_peer_login(text, text, integer, text) TO smpc_admin;

/*
 * Tell the superuser running the upgrade that the peers are now
 * restricted, and which of them the rules for non-superuser
 * administrators refuse outright (the worker will not connect to those
 * until a superuser lifts the restriction or the row is replaced).  A
 * WARNING, since an extension script runs with client_min_messages at
 * warning or above.  Names only: a connection string may hold a password.
 */
DO $$
DECLARE
	r record;
	npeers integer := 0;
	refused text[] := '{}';
BEGIN
	FOR r IN SELECT p.group_name, p.name, p.conninfo FROM smpc.peer p
			 ORDER BY p.group_name, p.name LOOP
		npeers := npeers + 1;
		BEGIN
			PERFORM smpc.check_conninfo(r.name, r.conninfo, false);
		EXCEPTION WHEN others THEN
			refused := refused || pg_catalog.format('%s/%s', r.group_name, r.name);
		END;
	END LOOP;
	IF npeers > 0 THEN
		RAISE WARNING 'smpc 0.2 holds the connection strings of the % existing peers to the rules for administrators who are not superusers',
			npeers
			USING DETAIL = pg_catalog.format('Their connection strings may use only the keywords, files and password authentication allowed to such an administrator. Refused outright (group/peer): %s.',
					CASE WHEN pg_catalog.cardinality(refused) = 0 THEN 'none'
						 ELSE pg_catalog.array_to_string(refused, ', ') END),
				  HINT = 'After checking a peer''s connection string, a superuser can lift the restriction with UPDATE smpc.peer SET unrestricted = true WHERE group_name = ''...'' AND name = ''...''.';
	END IF;
END
$$;

/*
 * smpc_min and smpc_max (order.c): each member enters the key of its local
 * extreme, and the round engine opens only the joint extreme.  One
 * transition function per input type keeps both extremes; the final
 * function of each aggregate picks its own.
 */
CREATE FUNCTION smpc.order_combine(internal, internal) RETURNS internal
	AS 'MODULE_PATHNAME', 'smpc_order_combine' LANGUAGE C PARALLEL SAFE;
COMMENT ON FUNCTION smpc.order_combine(internal, internal) IS 'combine two partial smpc_min or smpc_max states';
CREATE FUNCTION smpc.order_serialize(internal) RETURNS bytea
	AS 'MODULE_PATHNAME', 'smpc_order_serialize' LANGUAGE C STRICT PARALLEL SAFE;
COMMENT ON FUNCTION smpc.order_serialize(internal) IS 'serialise a partial smpc_min or smpc_max state';
CREATE FUNCTION smpc.order_deserialize(bytea, internal) RETURNS internal
	AS 'MODULE_PATHNAME', 'smpc_order_deserialize' LANGUAGE C STRICT PARALLEL SAFE;
COMMENT ON FUNCTION smpc.order_deserialize(bytea, internal) IS 'deserialise a partial smpc_min or smpc_max state';
CREATE FUNCTION smpc.otrans_int2(internal, int2, text) RETURNS internal
	AS 'MODULE_PATHNAME', 'smpc_otrans_int2' LANGUAGE C PARALLEL SAFE;
COMMENT ON FUNCTION smpc.otrans_int2(internal, int2, text) IS 'smpc_min and smpc_max transition over int2';
CREATE FUNCTION smpc.otrans_int2(internal, int2, text, text) RETURNS internal
	AS 'MODULE_PATHNAME', 'smpc_otrans_int2' LANGUAGE C PARALLEL SAFE;
COMMENT ON FUNCTION smpc.otrans_int2(internal, int2, text, text) IS 'smpc_min and smpc_max transition over int2';
CREATE FUNCTION smpc.min_final_int2(internal) RETURNS int2
	AS 'MODULE_PATHNAME', 'smpc_min_final' LANGUAGE C PARALLEL SAFE;
COMMENT ON FUNCTION smpc.min_final_int2(internal) IS 'run the joint computation and return the smallest value as int2';
CREATE FUNCTION smpc.max_final_int2(internal) RETURNS int2
	AS 'MODULE_PATHNAME', 'smpc_max_final' LANGUAGE C PARALLEL SAFE;
COMMENT ON FUNCTION smpc.max_final_int2(internal) IS 'run the joint computation and return the largest value as int2';
CREATE FUNCTION smpc.otrans_int4(internal, int4, text) RETURNS internal
	AS 'MODULE_PATHNAME', 'smpc_otrans_int4' LANGUAGE C PARALLEL SAFE;
COMMENT ON FUNCTION smpc.otrans_int4(internal, int4, text) IS 'smpc_min and smpc_max transition over int4';
CREATE FUNCTION smpc.otrans_int4(internal, int4, text, text) RETURNS internal
	AS 'MODULE_PATHNAME', 'smpc_otrans_int4' LANGUAGE C PARALLEL SAFE;
COMMENT ON FUNCTION smpc.otrans_int4(internal, int4, text, text) IS 'smpc_min and smpc_max transition over int4';
CREATE FUNCTION smpc.min_final_int4(internal) RETURNS int4
	AS 'MODULE_PATHNAME', 'smpc_min_final' LANGUAGE C PARALLEL SAFE;
COMMENT ON FUNCTION smpc.min_final_int4(internal) IS 'run the joint computation and return the smallest value as int4';
CREATE FUNCTION smpc.max_final_int4(internal) RETURNS int4
	AS 'MODULE_PATHNAME', 'smpc_max_final' LANGUAGE C PARALLEL SAFE;
COMMENT ON FUNCTION smpc.max_final_int4(internal) IS 'run the joint computation and return the largest value as int4';
CREATE FUNCTION smpc.otrans_int8(internal, int8, text) RETURNS internal
	AS 'MODULE_PATHNAME', 'smpc_otrans_int8' LANGUAGE C PARALLEL SAFE;
COMMENT ON FUNCTION smpc.otrans_int8(internal, int8, text) IS 'smpc_min and smpc_max transition over int8';
CREATE FUNCTION smpc.otrans_int8(internal, int8, text, text) RETURNS internal
	AS 'MODULE_PATHNAME', 'smpc_otrans_int8' LANGUAGE C PARALLEL SAFE;
COMMENT ON FUNCTION smpc.otrans_int8(internal, int8, text, text) IS 'smpc_min and smpc_max transition over int8';
CREATE FUNCTION smpc.min_final_int8(internal) RETURNS int8
	AS 'MODULE_PATHNAME', 'smpc_min_final' LANGUAGE C PARALLEL SAFE;
COMMENT ON FUNCTION smpc.min_final_int8(internal) IS 'run the joint computation and return the smallest value as int8';
CREATE FUNCTION smpc.max_final_int8(internal) RETURNS int8
	AS 'MODULE_PATHNAME', 'smpc_max_final' LANGUAGE C PARALLEL SAFE;
COMMENT ON FUNCTION smpc.max_final_int8(internal) IS 'run the joint computation and return the largest value as int8';
CREATE FUNCTION smpc.otrans_numeric(internal, numeric, text) RETURNS internal
	AS 'MODULE_PATHNAME', 'smpc_otrans_numeric' LANGUAGE C PARALLEL SAFE;
COMMENT ON FUNCTION smpc.otrans_numeric(internal, numeric, text) IS 'smpc_min and smpc_max transition over numeric';
CREATE FUNCTION smpc.otrans_numeric(internal, numeric, text, text) RETURNS internal
	AS 'MODULE_PATHNAME', 'smpc_otrans_numeric' LANGUAGE C PARALLEL SAFE;
COMMENT ON FUNCTION smpc.otrans_numeric(internal, numeric, text, text) IS 'smpc_min and smpc_max transition over numeric';
CREATE FUNCTION smpc.min_final_numeric(internal) RETURNS numeric
	AS 'MODULE_PATHNAME', 'smpc_min_final' LANGUAGE C PARALLEL SAFE;
COMMENT ON FUNCTION smpc.min_final_numeric(internal) IS 'run the joint computation and return the smallest value as numeric';
CREATE FUNCTION smpc.max_final_numeric(internal) RETURNS numeric
	AS 'MODULE_PATHNAME', 'smpc_max_final' LANGUAGE C PARALLEL SAFE;
COMMENT ON FUNCTION smpc.max_final_numeric(internal) IS 'run the joint computation and return the largest value as numeric';
CREATE FUNCTION smpc.otrans_float4(internal, float4, text) RETURNS internal
	AS 'MODULE_PATHNAME', 'smpc_otrans_float4' LANGUAGE C PARALLEL SAFE;
COMMENT ON FUNCTION smpc.otrans_float4(internal, float4, text) IS 'smpc_min and smpc_max transition over float4';
CREATE FUNCTION smpc.otrans_float4(internal, float4, text, text) RETURNS internal
	AS 'MODULE_PATHNAME', 'smpc_otrans_float4' LANGUAGE C PARALLEL SAFE;
COMMENT ON FUNCTION smpc.otrans_float4(internal, float4, text, text) IS 'smpc_min and smpc_max transition over float4';
CREATE FUNCTION smpc.min_final_float4(internal) RETURNS float4
	AS 'MODULE_PATHNAME', 'smpc_min_final' LANGUAGE C PARALLEL SAFE;
COMMENT ON FUNCTION smpc.min_final_float4(internal) IS 'run the joint computation and return the smallest value as float4';
CREATE FUNCTION smpc.max_final_float4(internal) RETURNS float4
	AS 'MODULE_PATHNAME', 'smpc_max_final' LANGUAGE C PARALLEL SAFE;
COMMENT ON FUNCTION smpc.max_final_float4(internal) IS 'run the joint computation and return the largest value as float4';
CREATE FUNCTION smpc.otrans_float8(internal, float8, text) RETURNS internal
	AS 'MODULE_PATHNAME', 'smpc_otrans_float8' LANGUAGE C PARALLEL SAFE;
COMMENT ON FUNCTION smpc.otrans_float8(internal, float8, text) IS 'smpc_min and smpc_max transition over float8';
CREATE FUNCTION smpc.otrans_float8(internal, float8, text, text) RETURNS internal
	AS 'MODULE_PATHNAME', 'smpc_otrans_float8' LANGUAGE C PARALLEL SAFE;
COMMENT ON FUNCTION smpc.otrans_float8(internal, float8, text, text) IS 'smpc_min and smpc_max transition over float8';
CREATE FUNCTION smpc.min_final_float8(internal) RETURNS float8
	AS 'MODULE_PATHNAME', 'smpc_min_final' LANGUAGE C PARALLEL SAFE;
COMMENT ON FUNCTION smpc.min_final_float8(internal) IS 'run the joint computation and return the smallest value as float8';
CREATE FUNCTION smpc.max_final_float8(internal) RETURNS float8
	AS 'MODULE_PATHNAME', 'smpc_max_final' LANGUAGE C PARALLEL SAFE;
COMMENT ON FUNCTION smpc.max_final_float8(internal) IS 'run the joint computation and return the largest value as float8';
CREATE FUNCTION smpc.otrans_date(internal, date, text) RETURNS internal
	AS 'MODULE_PATHNAME', 'smpc_otrans_date' LANGUAGE C PARALLEL SAFE;
COMMENT ON FUNCTION smpc.otrans_date(internal, date, text) IS 'smpc_min and smpc_max transition over date';
CREATE FUNCTION smpc.otrans_date(internal, date, text, text) RETURNS internal
	AS 'MODULE_PATHNAME', 'smpc_otrans_date' LANGUAGE C PARALLEL SAFE;
COMMENT ON FUNCTION smpc.otrans_date(internal, date, text, text) IS 'smpc_min and smpc_max transition over date';
CREATE FUNCTION smpc.min_final_date(internal) RETURNS date
	AS 'MODULE_PATHNAME', 'smpc_min_final' LANGUAGE C PARALLEL SAFE;
COMMENT ON FUNCTION smpc.min_final_date(internal) IS 'run the joint computation and return the smallest value as date';
CREATE FUNCTION smpc.max_final_date(internal) RETURNS date
	AS 'MODULE_PATHNAME', 'smpc_max_final' LANGUAGE C PARALLEL SAFE;
COMMENT ON FUNCTION smpc.max_final_date(internal) IS 'run the joint computation and return the largest value as date';
CREATE FUNCTION smpc.otrans_timestamp(internal, timestamp, text) RETURNS internal
	AS 'MODULE_PATHNAME', 'smpc_otrans_timestamp' LANGUAGE C PARALLEL SAFE;
COMMENT ON FUNCTION smpc.otrans_timestamp(internal, timestamp, text) IS 'smpc_min and smpc_max transition over timestamp';
CREATE FUNCTION smpc.otrans_timestamp(internal, timestamp, text, text) RETURNS internal
	AS 'MODULE_PATHNAME', 'smpc_otrans_timestamp' LANGUAGE C PARALLEL SAFE;
COMMENT ON FUNCTION smpc.otrans_timestamp(internal, timestamp, text, text) IS 'smpc_min and smpc_max transition over timestamp';
CREATE FUNCTION smpc.min_final_timestamp(internal) RETURNS timestamp
	AS 'MODULE_PATHNAME', 'smpc_min_final' LANGUAGE C PARALLEL SAFE;
COMMENT ON FUNCTION smpc.min_final_timestamp(internal) IS 'run the joint computation and return the smallest value as timestamp';
CREATE FUNCTION smpc.max_final_timestamp(internal) RETURNS timestamp
	AS 'MODULE_PATHNAME', 'smpc_max_final' LANGUAGE C PARALLEL SAFE;
COMMENT ON FUNCTION smpc.max_final_timestamp(internal) IS 'run the joint computation and return the largest value as timestamp';
CREATE FUNCTION smpc.otrans_timestamptz(internal, timestamptz, text) RETURNS internal
	AS 'MODULE_PATHNAME', 'smpc_otrans_timestamp' LANGUAGE C PARALLEL SAFE;
COMMENT ON FUNCTION smpc.otrans_timestamptz(internal, timestamptz, text) IS 'smpc_min and smpc_max transition over timestamptz';
CREATE FUNCTION smpc.otrans_timestamptz(internal, timestamptz, text, text) RETURNS internal
	AS 'MODULE_PATHNAME', 'smpc_otrans_timestamp' LANGUAGE C PARALLEL SAFE;
COMMENT ON FUNCTION smpc.otrans_timestamptz(internal, timestamptz, text, text) IS 'smpc_min and smpc_max transition over timestamptz';
CREATE FUNCTION smpc.min_final_timestamptz(internal) RETURNS timestamptz
	AS 'MODULE_PATHNAME', 'smpc_min_final' LANGUAGE C PARALLEL SAFE;
COMMENT ON FUNCTION smpc.min_final_timestamptz(internal) IS 'run the joint computation and return the smallest value as timestamptz';
CREATE FUNCTION smpc.max_final_timestamptz(internal) RETURNS timestamptz
	AS 'MODULE_PATHNAME', 'smpc_max_final' LANGUAGE C PARALLEL SAFE;
COMMENT ON FUNCTION smpc.max_final_timestamptz(internal) IS 'run the joint computation and return the largest value as timestamptz';
CREATE AGGREGATE public.smpc_min(int2, text) (
	SFUNC = smpc.otrans_int2, STYPE = internal, FINALFUNC = smpc.min_final_int2,
	COMBINEFUNC = smpc.order_combine, SERIALFUNC = smpc.order_serialize,
	DESERIALFUNC = smpc.order_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE public.smpc_min(int2, text) IS 'joint minimum over all members of a peer group';
CREATE AGGREGATE public.smpc_min(int2, text, text) (
	SFUNC = smpc.otrans_int2, STYPE = internal, FINALFUNC = smpc.min_final_int2,
	COMBINEFUNC = smpc.order_combine, SERIALFUNC = smpc.order_serialize,
	DESERIALFUNC = smpc.order_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE public.smpc_min(int2, text, text) IS 'joint minimum over all members of a peer group, with a label';
CREATE AGGREGATE public.smpc_max(int2, text) (
	SFUNC = smpc.otrans_int2, STYPE = internal, FINALFUNC = smpc.max_final_int2,
	COMBINEFUNC = smpc.order_combine, SERIALFUNC = smpc.order_serialize,
	DESERIALFUNC = smpc.order_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE public.smpc_max(int2, text) IS 'joint maximum over all members of a peer group';
CREATE AGGREGATE public.smpc_max(int2, text, text) (
	SFUNC = smpc.otrans_int2, STYPE = internal, FINALFUNC = smpc.max_final_int2,
	COMBINEFUNC = smpc.order_combine, SERIALFUNC = smpc.order_serialize,
	DESERIALFUNC = smpc.order_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE public.smpc_max(int2, text, text) IS 'joint maximum over all members of a peer group, with a label';
CREATE AGGREGATE public.smpc_min(int4, text) (
	SFUNC = smpc.otrans_int4, STYPE = internal, FINALFUNC = smpc.min_final_int4,
	COMBINEFUNC = smpc.order_combine, SERIALFUNC = smpc.order_serialize,
	DESERIALFUNC = smpc.order_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE public.smpc_min(int4, text) IS 'joint minimum over all members of a peer group';
CREATE AGGREGATE public.smpc_min(int4, text, text) (
	SFUNC = smpc.otrans_int4, STYPE = internal, FINALFUNC = smpc.min_final_int4,
	COMBINEFUNC = smpc.order_combine, SERIALFUNC = smpc.order_serialize,
	DESERIALFUNC = smpc.order_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE public.smpc_min(int4, text, text) IS 'joint minimum over all members of a peer group, with a label';
CREATE AGGREGATE public.smpc_max(int4, text) (
	SFUNC = smpc.otrans_int4, STYPE = internal, FINALFUNC = smpc.max_final_int4,
	COMBINEFUNC = smpc.order_combine, SERIALFUNC = smpc.order_serialize,
	DESERIALFUNC = smpc.order_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE public.smpc_max(int4, text) IS 'joint maximum over all members of a peer group';
CREATE AGGREGATE public.smpc_max(int4, text, text) (
	SFUNC = smpc.otrans_int4, STYPE = internal, FINALFUNC = smpc.max_final_int4,
	COMBINEFUNC = smpc.order_combine, SERIALFUNC = smpc.order_serialize,
	DESERIALFUNC = smpc.order_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE public.smpc_max(int4, text, text) IS 'joint maximum over all members of a peer group, with a label';
CREATE AGGREGATE public.smpc_min(int8, text) (
	SFUNC = smpc.otrans_int8, STYPE = internal, FINALFUNC = smpc.min_final_int8,
	COMBINEFUNC = smpc.order_combine, SERIALFUNC = smpc.order_serialize,
	DESERIALFUNC = smpc.order_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE public.smpc_min(int8, text) IS 'joint minimum over all members of a peer group';
CREATE AGGREGATE public.smpc_min(int8, text, text) (
	SFUNC = smpc.otrans_int8, STYPE = internal, FINALFUNC = smpc.min_final_int8,
	COMBINEFUNC = smpc.order_combine, SERIALFUNC = smpc.order_serialize,
	DESERIALFUNC = smpc.order_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE public.smpc_min(int8, text, text) IS 'joint minimum over all members of a peer group, with a label';
CREATE AGGREGATE public.smpc_max(int8, text) (
	SFUNC = smpc.otrans_int8, STYPE = internal, FINALFUNC = smpc.max_final_int8,
	COMBINEFUNC = smpc.order_combine, SERIALFUNC = smpc.order_serialize,
	DESERIALFUNC = smpc.order_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE public.smpc_max(int8, text) IS 'joint maximum over all members of a peer group';
CREATE AGGREGATE public.smpc_max(int8, text, text) (
	SFUNC = smpc.otrans_int8, STYPE = internal, FINALFUNC = smpc.max_final_int8,
	COMBINEFUNC = smpc.order_combine, SERIALFUNC = smpc.order_serialize,
	DESERIALFUNC = smpc.order_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE public.smpc_max(int8, text, text) IS 'joint maximum over all members of a peer group, with a label';
CREATE AGGREGATE public.smpc_min(numeric, text) (
	SFUNC = smpc.otrans_numeric, STYPE = internal, FINALFUNC = smpc.min_final_numeric,
	COMBINEFUNC = smpc.order_combine, SERIALFUNC = smpc.order_serialize,
	DESERIALFUNC = smpc.order_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE public.smpc_min(numeric, text) IS 'joint minimum over all members of a peer group';
CREATE AGGREGATE public.smpc_min(numeric, text, text) (
	SFUNC = smpc.otrans_numeric, STYPE = internal, FINALFUNC = smpc.min_final_numeric,
	COMBINEFUNC = smpc.order_combine, SERIALFUNC = smpc.order_serialize,
	DESERIALFUNC = smpc.order_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE public.smpc_min(numeric, text, text) IS 'joint minimum over all members of a peer group, with a label';
CREATE AGGREGATE public.smpc_max(numeric, text) (
	SFUNC = smpc.otrans_numeric, STYPE = internal, FINALFUNC = smpc.max_final_numeric,
	COMBINEFUNC = smpc.order_combine, SERIALFUNC = smpc.order_serialize,
	DESERIALFUNC = smpc.order_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE public.smpc_max(numeric, text) IS 'joint maximum over all members of a peer group';
CREATE AGGREGATE public.smpc_max(numeric, text, text) (
	SFUNC = smpc.otrans_numeric, STYPE = internal, FINALFUNC = smpc.max_final_numeric,
	COMBINEFUNC = smpc.order_combine, SERIALFUNC = smpc.order_serialize,
	DESERIALFUNC = smpc.order_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE public.smpc_max(numeric, text, text) IS 'joint maximum over all members of a peer group, with a label';
CREATE AGGREGATE public.smpc_min(float4, text) (
	SFUNC = smpc.otrans_float4, STYPE = internal, FINALFUNC = smpc.min_final_float4,
	COMBINEFUNC = smpc.order_combine, SERIALFUNC = smpc.order_serialize,
	DESERIALFUNC = smpc.order_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE public.smpc_min(float4, text) IS 'joint minimum over all members of a peer group';
CREATE AGGREGATE public.smpc_min(float4, text, text) (
	SFUNC = smpc.otrans_float4, STYPE = internal, FINALFUNC = smpc.min_final_float4,
	COMBINEFUNC = smpc.order_combine, SERIALFUNC = smpc.order_serialize,
	DESERIALFUNC = smpc.order_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE public.smpc_min(float4, text, text) IS 'joint minimum over all members of a peer group, with a label';
CREATE AGGREGATE public.smpc_max(float4, text) (
	SFUNC = smpc.otrans_float4, STYPE = internal, FINALFUNC = smpc.max_final_float4,
	COMBINEFUNC = smpc.order_combine, SERIALFUNC = smpc.order_serialize,
	DESERIALFUNC = smpc.order_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE public.smpc_max(float4, text) IS 'joint maximum over all members of a peer group';
CREATE AGGREGATE public.smpc_max(float4, text, text) (
	SFUNC = smpc.otrans_float4, STYPE = internal, FINALFUNC = smpc.max_final_float4,
	COMBINEFUNC = smpc.order_combine, SERIALFUNC = smpc.order_serialize,
	DESERIALFUNC = smpc.order_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE public.smpc_max(float4, text, text) IS 'joint maximum over all members of a peer group, with a label';
CREATE AGGREGATE public.smpc_min(float8, text) (
	SFUNC = smpc.otrans_float8, STYPE = internal, FINALFUNC = smpc.min_final_float8,
	COMBINEFUNC = smpc.order_combine, SERIALFUNC = smpc.order_serialize,
	DESERIALFUNC = smpc.order_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE public.smpc_min(float8, text) IS 'joint minimum over all members of a peer group';
CREATE AGGREGATE public.smpc_min(float8, text, text) (
	SFUNC = smpc.otrans_float8, STYPE = internal, FINALFUNC = smpc.min_final_float8,
	COMBINEFUNC = smpc.order_combine, SERIALFUNC = smpc.order_serialize,
	DESERIALFUNC = smpc.order_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE public.smpc_min(float8, text, text) IS 'joint minimum over all members of a peer group, with a label';
CREATE AGGREGATE public.smpc_max(float8, text) (
	SFUNC = smpc.otrans_float8, STYPE = internal, FINALFUNC = smpc.max_final_float8,
	COMBINEFUNC = smpc.order_combine, SERIALFUNC = smpc.order_serialize,
	DESERIALFUNC = smpc.order_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE public.smpc_max(float8, text) IS 'joint maximum over all members of a peer group';
CREATE AGGREGATE public.smpc_max(float8, text, text) (
	SFUNC = smpc.otrans_float8, STYPE = internal, FINALFUNC = smpc.max_final_float8,
	COMBINEFUNC = smpc.order_combine, SERIALFUNC = smpc.order_serialize,
	DESERIALFUNC = smpc.order_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE public.smpc_max(float8, text, text) IS 'joint maximum over all members of a peer group, with a label';
CREATE AGGREGATE public.smpc_min(date, text) (
	SFUNC = smpc.otrans_date, STYPE = internal, FINALFUNC = smpc.min_final_date,
	COMBINEFUNC = smpc.order_combine, SERIALFUNC = smpc.order_serialize,
	DESERIALFUNC = smpc.order_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE public.smpc_min(date, text) IS 'joint minimum over all members of a peer group';
CREATE AGGREGATE public.smpc_min(date, text, text) (
	SFUNC = smpc.otrans_date, STYPE = internal, FINALFUNC = smpc.min_final_date,
	COMBINEFUNC = smpc.order_combine, SERIALFUNC = smpc.order_serialize,
	DESERIALFUNC = smpc.order_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE public.smpc_min(date, text, text) IS 'joint minimum over all members of a peer group, with a label';
CREATE AGGREGATE public.smpc_max(date, text) (
	SFUNC = smpc.otrans_date, STYPE = internal, FINALFUNC = smpc.max_final_date,
	COMBINEFUNC = smpc.order_combine, SERIALFUNC = smpc.order_serialize,
	DESERIALFUNC = smpc.order_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE public.smpc_max(date, text) IS 'joint maximum over all members of a peer group';
CREATE AGGREGATE public.smpc_max(date, text, text) (
	SFUNC = smpc.otrans_date, STYPE = internal, FINALFUNC = smpc.max_final_date,
	COMBINEFUNC = smpc.order_combine, SERIALFUNC = smpc.order_serialize,
	DESERIALFUNC = smpc.order_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE public.smpc_max(date, text, text) IS 'joint maximum over all members of a peer group, with a label';
CREATE AGGREGATE public.smpc_min(timestamp, text) (
	SFUNC = smpc.otrans_timestamp, STYPE = internal, FINALFUNC = smpc.min_final_timestamp,
	COMBINEFUNC = smpc.order_combine, SERIALFUNC = smpc.order_serialize,
	DESERIALFUNC = smpc.order_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE public.smpc_min(timestamp, text) IS 'joint minimum over all members of a peer group';
CREATE AGGREGATE public.smpc_min(timestamp, text, text) (
	SFUNC = smpc.otrans_timestamp, STYPE = internal, FINALFUNC = smpc.min_final_timestamp,
	COMBINEFUNC = smpc.order_combine, SERIALFUNC = smpc.order_serialize,
	DESERIALFUNC = smpc.order_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE public.smpc_min(timestamp, text, text) IS 'joint minimum over all members of a peer group, with a label';
CREATE AGGREGATE public.smpc_max(timestamp, text) (
	SFUNC = smpc.otrans_timestamp, STYPE = internal, FINALFUNC = smpc.max_final_timestamp,
	COMBINEFUNC = smpc.order_combine, SERIALFUNC = smpc.order_serialize,
	DESERIALFUNC = smpc.order_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE public.smpc_max(timestamp, text) IS 'joint maximum over all members of a peer group';
CREATE AGGREGATE public.smpc_max(timestamp, text, text) (
	SFUNC = smpc.otrans_timestamp, STYPE = internal, FINALFUNC = smpc.max_final_timestamp,
	COMBINEFUNC = smpc.order_combine, SERIALFUNC = smpc.order_serialize,
	DESERIALFUNC = smpc.order_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE public.smpc_max(timestamp, text, text) IS 'joint maximum over all members of a peer group, with a label';
CREATE AGGREGATE public.smpc_min(timestamptz, text) (
	SFUNC = smpc.otrans_timestamptz, STYPE = internal, FINALFUNC = smpc.min_final_timestamptz,
	COMBINEFUNC = smpc.order_combine, SERIALFUNC = smpc.order_serialize,
	DESERIALFUNC = smpc.order_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE public.smpc_min(timestamptz, text) IS 'joint minimum over all members of a peer group';
CREATE AGGREGATE public.smpc_min(timestamptz, text, text) (
	SFUNC = smpc.otrans_timestamptz, STYPE = internal, FINALFUNC = smpc.min_final_timestamptz,
	COMBINEFUNC = smpc.order_combine, SERIALFUNC = smpc.order_serialize,
	DESERIALFUNC = smpc.order_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE public.smpc_min(timestamptz, text, text) IS 'joint minimum over all members of a peer group, with a label';
CREATE AGGREGATE public.smpc_max(timestamptz, text) (
	SFUNC = smpc.otrans_timestamptz, STYPE = internal, FINALFUNC = smpc.max_final_timestamptz,
	COMBINEFUNC = smpc.order_combine, SERIALFUNC = smpc.order_serialize,
	DESERIALFUNC = smpc.order_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE public.smpc_max(timestamptz, text) IS 'joint maximum over all members of a peer group';
CREATE AGGREGATE public.smpc_max(timestamptz, text, text) (
	SFUNC = smpc.otrans_timestamptz, STYPE = internal, FINALFUNC = smpc.max_final_timestamptz,
	COMBINEFUNC = smpc.order_combine, SERIALFUNC = smpc.order_serialize,
	DESERIALFUNC = smpc.order_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE public.smpc_max(timestamptz, text, text) IS 'joint maximum over all members of a peer group, with a label';
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA smpc FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION public.smpc_min(int2, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_min(int2, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_min(int2, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_min(int2, text, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_max(int2, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_max(int2, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_max(int2, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_max(int2, text, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_min(int4, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_min(int4, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_min(int4, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_min(int4, text, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_max(int4, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_max(int4, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_max(int4, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_max(int4, text, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_min(int8, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_min(int8, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_min(int8, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_min(int8, text, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_max(int8, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_max(int8, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_max(int8, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_max(int8, text, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_min(numeric, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_min(numeric, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_min(numeric, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_min(numeric, text, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_max(numeric, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_max(numeric, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_max(numeric, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_max(numeric, text, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_min(float4, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_min(float4, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_min(float4, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_min(float4, text, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_max(float4, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_max(float4, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_max(float4, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_max(float4, text, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_min(float8, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_min(float8, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_min(float8, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_min(float8, text, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_max(float8, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_max(float8, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_max(float8, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_max(float8, text, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_min(date, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_min(date, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_min(date, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_min(date, text, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_max(date, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_max(date, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_max(date, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_max(date, text, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_min(timestamp, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_min(timestamp, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_min(timestamp, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_min(timestamp, text, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_max(timestamp, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_max(timestamp, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_max(timestamp, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_max(timestamp, text, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_min(timestamptz, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_min(timestamptz, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_min(timestamptz, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_min(timestamptz, text, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_max(timestamptz, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_max(timestamptz, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_max(timestamptz, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_max(timestamptz, text, text) TO smpc_benchmark;
