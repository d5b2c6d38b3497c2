/* smpc--0.2.sql: objects of the smpc extension */

\echo Use "CREATE EXTENSION smpc" to load this file. \quit

/*
 * Configuration.  The background worker reads these tables; a statement
 * trigger tells it to reload them once the changing transaction commits.
 */
CREATE TABLE smpc.node (
	singleton	boolean PRIMARY KEY DEFAULT true CHECK (singleton),
	name		text NOT NULL CHECK (name ~ '^[A-Za-z0-9_.-]{1,63}$'),
	public_key	text NOT NULL,
	created		timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE smpc.peer_group (
	name		text PRIMARY KEY CHECK (name ~ '^[A-Za-z0-9_.-]{1,63}$'),
	min_parties	integer NOT NULL DEFAULT 3 CHECK (min_parties >= 2),
	max_colluders	integer CHECK (max_colluders >= 1),	/* NULL: all members but one */
	min_cell_count	integer NOT NULL DEFAULT 1 CHECK (min_cell_count BETWEEN 1 AND 10),
	created		timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE smpc.peer (
	group_name	text NOT NULL REFERENCES smpc.peer_group (name) ON DELETE CASCADE,
	name		text NOT NULL CHECK (name ~ '^[A-Za-z0-9_.-]{1,63}$'),
	conninfo	text NOT NULL,
	/* a superuser gave conninfo: the worker applies no keyword restriction */
	unrestricted	boolean NOT NULL DEFAULT false,
	public_key	text NOT NULL,
	added		timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (group_name, name),
	UNIQUE (group_name, public_key)
);

CREATE TABLE smpc.history_log (
	computation_id	text,
	group_name	text NOT NULL,
	aggregate	text NOT NULL,
	label		text NOT NULL,
	participants	text[] NOT NULL,
	started		timestamptz NOT NULL,
	finished	timestamptz NOT NULL,
	status		text NOT NULL,
	error		text
);
CREATE INDEX ON smpc.history_log (started);

SELECT pg_catalog.pg_extension_config_dump('smpc.node', '');
SELECT pg_catalog.pg_extension_config_dump('smpc.peer_group', '');
SELECT pg_catalog.pg_extension_config_dump('smpc.peer', '');
SELECT pg_catalog.pg_extension_config_dump('smpc.history_log', '');

CREATE FUNCTION smpc.config_changed() RETURNS trigger
	AS 'MODULE_PATHNAME', 'smpc_config_changed' LANGUAGE C;
COMMENT ON FUNCTION smpc.config_changed() IS
	'trigger: tell the smpc worker to reload its configuration at commit';

CREATE TRIGGER config_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
	ON smpc.node FOR EACH STATEMENT EXECUTE FUNCTION smpc.config_changed();
CREATE TRIGGER config_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
	ON smpc.peer_group FOR EACH STATEMENT EXECUTE FUNCTION smpc.config_changed();
CREATE TRIGGER config_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
	ON smpc.peer FOR EACH STATEMENT EXECUTE FUNCTION smpc.config_changed();

/* Node identity */

/*
 * The management functions run as the extension's owner (SECURITY DEFINER)
 * so that members of smpc_admin can administer the node without any right
 * on the configuration tables themselves; each pins its search_path and
 * names every object with its schema.
 */
CREATE FUNCTION smpc.init_node(name text, new_key boolean DEFAULT false)
	RETURNS text
	AS 'MODULE_PATHNAME', 'smpc_init_node' LANGUAGE C VOLATILE STRICT
	SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION smpc.init_node(text, boolean) IS
	'create this node''s key pair (or replace it with new_key => true) and return its public key';

CREATE FUNCTION smpc.node_info(OUT name text, OUT public_key text)
	RETURNS SETOF record
	LANGUAGE sql STABLE
	SECURITY DEFINER SET search_path = pg_catalog, pg_temp
	AS $$ SELECT n.name, n.public_key FROM smpc.node n $$;
COMMENT ON FUNCTION smpc.node_info() IS
	'this node''s name and public key, to be sent to the other members';

/* Peer groups */

CREATE FUNCTION smpc.usable_public_key(key bytea) RETURNS boolean
	AS 'MODULE_PATHNAME', 'smpc_usable_public_key' LANGUAGE C IMMUTABLE STRICT;
COMMENT ON FUNCTION smpc.usable_public_key(bytea) IS
	'is this 32-byte value a public key a shared secret can be agreed with (not a low-order point)';

CREATE FUNCTION smpc.create_peer_group(name text, min_parties integer DEFAULT 3,
	max_colluders integer DEFAULT NULL, min_cell_count integer DEFAULT 1)
	RETURNS void
	LANGUAGE plpgsql
	SECURITY DEFINER SET search_path = pg_catalog, pg_temp
	AS $$
BEGIN
	IF name IS NULL OR name !~ '^[A-Za-z0-9_.-]{1,63}$' THEN
		RAISE EXCEPTION 'invalid peer group name "%"', name
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'Use 1 to 63 letters, digits, "_", "." or "-".';
	END IF;
	IF min_parties IS NULL OR min_parties < 2 THEN
		RAISE EXCEPTION 'min_parties must be at least 2'
			USING ERRCODE = 'invalid_parameter_value',
				  DETAIL = 'A result is released only when at least min_parties members contributed.';
	END IF;
	IF max_colluders IS NOT NULL AND max_colluders < 1 THEN
		RAISE EXCEPTION 'max_colluders must be at least 1'
			USING ERRCODE = 'invalid_parameter_value',
				  DETAIL = 'It is how many members may pool what they saw without learning another''s input; leave it NULL for all members but one.';
	END IF;
	IF min_cell_count IS NULL OR min_cell_count < 1 OR min_cell_count > 10 THEN
		RAISE EXCEPTION 'min_cell_count must be between 1 and 10'
			USING ERRCODE = 'invalid_parameter_value',
				  DETAIL = 'Histogram and frequency counts from 1 to min_cell_count - 1 are suppressed; 1 suppresses nothing.';
	END IF;
	IF EXISTS (SELECT 1 FROM smpc.peer_group g WHERE g.name = create_peer_group.name) THEN
		RAISE EXCEPTION 'peer group "%" already exists', name
			USING ERRCODE = 'duplicate_object';
	END IF;
	INSERT INTO smpc.peer_group (name, min_parties, max_colluders, min_cell_count)
		VALUES (create_peer_group.name, create_peer_group.min_parties,
				create_peer_group.max_colluders, create_peer_group.min_cell_count);
END
$$;
COMMENT ON FUNCTION smpc.create_peer_group(text, integer, integer, integer) IS
	'create a peer group: least number of contributors, tolerated colluders (NULL: all but one), smallest released histogram count';

CREATE FUNCTION smpc.drop_peer_group(name text)
	RETURNS void
	LANGUAGE plpgsql
	SECURITY DEFINER SET search_path = pg_catalog, pg_temp
	AS $$
BEGIN
	DELETE FROM smpc.peer_group g WHERE g.name = drop_peer_group.name;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'peer group "%" does not exist', name
			USING ERRCODE = 'undefined_object';
	END IF;
END
$$;
COMMENT ON FUNCTION smpc.drop_peer_group(text) IS
	'drop a peer group and its peers';

/* Refuse a public key that is malformed, unusable or this node's own. */
CREATE FUNCTION smpc.check_peer_key(peer_name text, public_key text)
	RETURNS void
	LANGUAGE plpgsql
	SECURITY DEFINER SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	raw bytea;
BEGIN
	BEGIN
		raw := decode(public_key, 'base64');
	EXCEPTION WHEN others THEN
		raw := NULL;
	END;
	IF raw IS NULL OR length(raw) <> 32 OR length(public_key) <> 44
	   OR encode(raw, 'base64') <> public_key OR NOT smpc.usable_public_key(raw) THEN
		RAISE EXCEPTION 'malformed public key for peer "%"', peer_name
			USING ERRCODE = 'invalid_parameter_value',
				  DETAIL = 'A public key is a valid X25519 key of 32 bytes in canonical base64: 44 characters ending in "=".',
				  HINT = 'Copy the key from smpc.node_info() at the peer.';
	END IF;
	IF EXISTS (SELECT 1 FROM smpc.node n WHERE n.public_key = check_peer_key.public_key) THEN
		RAISE EXCEPTION 'public key of peer "%" is this node''s own key', peer_name
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'A node takes part in its groups implicitly; add only the other members.';
	END IF;
END
$$;
COMMENT ON FUNCTION smpc.check_peer_key(text, text) IS
	'raise an error if a public key is malformed, unusable or this node''s own';

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

CREATE FUNCTION smpc.add_peer(group_name text, peer_name text, conninfo text, public_key text)
	RETURNS void
	AS 'MODULE_PATHNAME', 'smpc_add_peer' LANGUAGE C VOLATILE;
COMMENT ON FUNCTION smpc.add_peer(text, text, text, text) IS
	'add a member to a peer group: its name, a libpq connection string to its database, and its public key';

CREATE FUNCTION smpc.remove_peer(group_name text, peer_name text)
	RETURNS void
	LANGUAGE plpgsql
	SECURITY DEFINER SET search_path = pg_catalog, pg_temp
	AS $$
BEGIN
	DELETE FROM smpc.peer p
		WHERE p.group_name = remove_peer.group_name AND p.name = remove_peer.peer_name;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'peer "%" does not exist in group "%"', peer_name, group_name
			USING ERRCODE = 'undefined_object';
	END IF;
END
$$;
COMMENT ON FUNCTION smpc.remove_peer(text, text) IS
	'remove a member from a peer group';

CREATE FUNCTION smpc.set_peer_key(group_name text, peer_name text, public_key text)
	RETURNS void
	LANGUAGE plpgsql
	SECURITY DEFINER SET search_path = pg_catalog, pg_temp
	AS $$
BEGIN
	IF NOT EXISTS (SELECT 1 FROM smpc.peer p WHERE p.group_name = set_peer_key.group_name
				   AND p.name = set_peer_key.peer_name) THEN
		RAISE EXCEPTION 'peer "%" does not exist in group "%"', peer_name, group_name
			USING ERRCODE = 'undefined_object';
	END IF;
	PERFORM smpc.check_peer_key(peer_name, public_key);
	IF EXISTS (SELECT 1 FROM smpc.peer p WHERE p.group_name = set_peer_key.group_name
			   AND p.public_key = set_peer_key.public_key AND p.name <> set_peer_key.peer_name) THEN
		RAISE EXCEPTION 'public key of peer "%" is already used by another peer of group "%"',
			peer_name, group_name
			USING ERRCODE = 'duplicate_object';
	END IF;
	UPDATE smpc.peer p SET public_key = set_peer_key.public_key
		WHERE p.group_name = set_peer_key.group_name AND p.name = set_peer_key.peer_name;
END
$$;
COMMENT ON FUNCTION smpc.set_peer_key(text, text, text) IS
	'give a member of a peer group the new public key it announced after smpc.rotate_key()';

CREATE FUNCTION smpc.rotate_key()
	RETURNS text
	LANGUAGE plpgsql
	SECURITY DEFINER SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	node_name text;
	key text;
BEGIN
	SELECT n.name INTO node_name FROM smpc.node n;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'smpc node is not initialised'
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  HINT = 'Run SELECT smpc.init_node(''name'') first.';
	END IF;
	key := smpc.init_node(node_name, new_key => true);
	RAISE NOTICE 'node "%" has a new key pair; its peers refuse its messages until they have the new public key', node_name
		USING HINT = format('At every peer, in every group this node belongs to: SELECT smpc.set_peer_key(''<group>'', %L, %L);',
							node_name, key);
	RETURN key;
END
$$;
COMMENT ON FUNCTION smpc.rotate_key() IS
	'replace this node''s key pair and return the new public key, to be given to every peer';

/* Hide every password given in a connection string. */
CREATE FUNCTION smpc.mask_conninfo(conninfo text) RETURNS text
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

CREATE VIEW smpc.peer_groups AS
	SELECT g.name, g.min_parties,
		   1 + (SELECT count(*) FROM smpc.peer p WHERE p.group_name = g.name)::integer AS members,
		   g.max_colluders, g.min_cell_count, g.created
	FROM smpc.peer_group g;
COMMENT ON VIEW smpc.peer_groups IS 'peer groups; members counts this node too';

CREATE VIEW smpc.peers AS
	SELECT p.group_name, p.name, smpc.mask_conninfo(p.conninfo) AS conninfo,
		   p.public_key, p.added
	FROM smpc.peer p;
COMMENT ON VIEW smpc.peers IS 'members of every peer group, passwords masked';

/* Worker state */

CREATE FUNCTION smpc.peer_status_raw(OUT public_key text, OUT connected boolean,
	OUT key_verified boolean, OUT rtt_ms float8, OUT last_contact timestamptz,
	OUT last_error text)
	RETURNS SETOF record
	AS 'MODULE_PATHNAME', 'smpc_peer_status' LANGUAGE C VOLATILE;
COMMENT ON FUNCTION smpc.peer_status_raw() IS
	'connection state of every peer the background worker knows, by public key';

CREATE VIEW smpc.peer_status AS
	SELECT p.group_name, p.name AS peer_name,
		   coalesce(s.connected, false) AS reachable,
		   coalesce(s.key_verified, false) AS key_verified,
		   s.rtt_ms, s.last_contact, s.last_error
	FROM smpc.peer p
	LEFT JOIN smpc.peer_status_raw() s ON s.public_key = p.public_key;
COMMENT ON VIEW smpc.peer_status IS
	'per peer: can it be reached, did it prove possession of its configured key, round-trip time';

CREATE VIEW smpc.history AS
	SELECT computation_id, group_name, aggregate, label, participants,
		   started, finished, status, error
	FROM smpc.history_log;
COMMENT ON VIEW smpc.history IS 'every computation this node took part in';

/* Transport: the one function a peer's login may call. */

CREATE FUNCTION smpc.deliver(message bytea) RETURNS void
	AS 'MODULE_PATHNAME', 'smpc_deliver' LANGUAGE C VOLATILE STRICT;
COMMENT ON FUNCTION smpc.deliver(bytea) IS
	'accept one encrypted message from a peer node and hand it to the background worker';

/* Aggregates */

/*
 * Transition, combine and serialisation support.  Every smpc aggregate keeps
 * its local partial state exactly like the native aggregate and is parallel
 * safe; the final function runs the joint computation with the peers.
 */
CREATE FUNCTION smpc.agg_combine(internal, internal) RETURNS internal
	AS 'MODULE_PATHNAME', 'smpc_agg_combine' LANGUAGE C PARALLEL SAFE;
CREATE FUNCTION smpc.agg_serialize(internal) RETURNS bytea
	AS 'MODULE_PATHNAME', 'smpc_agg_serialize' LANGUAGE C STRICT PARALLEL SAFE;
CREATE FUNCTION smpc.agg_deserialize(bytea, internal) RETURNS internal
	AS 'MODULE_PATHNAME', 'smpc_agg_deserialize' LANGUAGE C STRICT PARALLEL SAFE;
COMMENT ON FUNCTION smpc.agg_combine(internal, internal) IS 'combine two partial smpc aggregate states';
COMMENT ON FUNCTION smpc.agg_serialize(internal) IS 'serialise a partial smpc aggregate state';
COMMENT ON FUNCTION smpc.agg_deserialize(bytea, internal) IS 'deserialise a partial smpc aggregate state';

CREATE FUNCTION smpc.trans_int2(internal, int2, text) RETURNS internal
	AS 'MODULE_PATHNAME', 'smpc_trans_int2' LANGUAGE C PARALLEL SAFE;
COMMENT ON FUNCTION smpc.trans_int2(internal, int2, text) IS 'smpc aggregate transition over int2';
CREATE FUNCTION smpc.trans_int2(internal, int2, text, text) RETURNS internal
	AS 'MODULE_PATHNAME', 'smpc_trans_int2' LANGUAGE C PARALLEL SAFE;
COMMENT ON FUNCTION smpc.trans_int2(internal, int2, text, text) IS 'smpc aggregate transition over int2';
CREATE FUNCTION smpc.trans_int4(internal, int4, text) RETURNS internal
	AS 'MODULE_PATHNAME', 'smpc_trans_int4' LANGUAGE C PARALLEL SAFE;
COMMENT ON FUNCTION smpc.trans_int4(internal, int4, text) IS 'smpc aggregate transition over int4';
CREATE FUNCTION smpc.trans_int4(internal, int4, text, text) RETURNS internal
	AS 'MODULE_PATHNAME', 'smpc_trans_int4' LANGUAGE C PARALLEL SAFE;
COMMENT ON FUNCTION smpc.trans_int4(internal, int4, text, text) IS 'smpc aggregate transition over int4';
CREATE FUNCTION smpc.trans_int8(internal, int8, text) RETURNS internal
	AS 'MODULE_PATHNAME', 'smpc_trans_int8' LANGUAGE C PARALLEL SAFE;
COMMENT ON FUNCTION smpc.trans_int8(internal, int8, text) IS 'smpc aggregate transition over int8';
CREATE FUNCTION smpc.trans_int8(internal, int8, text, text) RETURNS internal
	AS 'MODULE_PATHNAME', 'smpc_trans_int8' LANGUAGE C PARALLEL SAFE;
COMMENT ON FUNCTION smpc.trans_int8(internal, int8, text, text) IS 'smpc aggregate transition over int8';
CREATE FUNCTION smpc.trans_numeric(internal, numeric, text) RETURNS internal
	AS 'MODULE_PATHNAME', 'smpc_trans_numeric' LANGUAGE C PARALLEL SAFE;
COMMENT ON FUNCTION smpc.trans_numeric(internal, numeric, text) IS 'smpc aggregate transition over numeric';
CREATE FUNCTION smpc.trans_numeric(internal, numeric, text, text) RETURNS internal
	AS 'MODULE_PATHNAME', 'smpc_trans_numeric' LANGUAGE C PARALLEL SAFE;
COMMENT ON FUNCTION smpc.trans_numeric(internal, numeric, text, text) IS 'smpc aggregate transition over numeric';
CREATE FUNCTION smpc.trans_float4(internal, float4, text) RETURNS internal
	AS 'MODULE_PATHNAME', 'smpc_trans_float4' LANGUAGE C PARALLEL SAFE;
COMMENT ON FUNCTION smpc.trans_float4(internal, float4, text) IS 'smpc aggregate transition over float4';
CREATE FUNCTION smpc.trans_float4(internal, float4, text, text) RETURNS internal
	AS 'MODULE_PATHNAME', 'smpc_trans_float4' LANGUAGE C PARALLEL SAFE;
COMMENT ON FUNCTION smpc.trans_float4(internal, float4, text, text) IS 'smpc aggregate transition over float4';
CREATE FUNCTION smpc.trans_float8(internal, float8, text) RETURNS internal
	AS 'MODULE_PATHNAME', 'smpc_trans_float8' LANGUAGE C PARALLEL SAFE;
COMMENT ON FUNCTION smpc.trans_float8(internal, float8, text) IS 'smpc aggregate transition over float8';
CREATE FUNCTION smpc.trans_float8(internal, float8, text, text) RETURNS internal
	AS 'MODULE_PATHNAME', 'smpc_trans_float8' LANGUAGE C PARALLEL SAFE;
COMMENT ON FUNCTION smpc.trans_float8(internal, float8, text, text) IS 'smpc aggregate transition over float8';
CREATE FUNCTION smpc.trans_any(internal, "any", text) RETURNS internal
	AS 'MODULE_PATHNAME', 'smpc_trans_any' LANGUAGE C PARALLEL SAFE;
COMMENT ON FUNCTION smpc.trans_any(internal, "any", text) IS 'smpc_count transition';
CREATE FUNCTION smpc.trans_rows(internal, text) RETURNS internal
	AS 'MODULE_PATHNAME', 'smpc_trans_rows' LANGUAGE C PARALLEL SAFE;
COMMENT ON FUNCTION smpc.trans_rows(internal, text) IS 'smpc_count_rows transition';
CREATE FUNCTION smpc.trans_any(internal, "any", text, text) RETURNS internal
	AS 'MODULE_PATHNAME', 'smpc_trans_any' LANGUAGE C PARALLEL SAFE;
COMMENT ON FUNCTION smpc.trans_any(internal, "any", text, text) IS 'smpc_count transition';
CREATE FUNCTION smpc.trans_rows(internal, text, text) RETURNS internal
	AS 'MODULE_PATHNAME', 'smpc_trans_rows' LANGUAGE C PARALLEL SAFE;
COMMENT ON FUNCTION smpc.trans_rows(internal, text, text) IS 'smpc_count_rows transition';
CREATE FUNCTION smpc.sum_final_int8(internal) RETURNS int8
	AS 'MODULE_PATHNAME', 'smpc_sum_final_int8' LANGUAGE C PARALLEL SAFE;
COMMENT ON FUNCTION smpc.sum_final_int8(internal) IS 'run the joint computation and return its result as int8';
CREATE FUNCTION smpc.sum_final_numeric(internal) RETURNS numeric
	AS 'MODULE_PATHNAME', 'smpc_sum_final_numeric' LANGUAGE C PARALLEL SAFE;
COMMENT ON FUNCTION smpc.sum_final_numeric(internal) IS 'run the joint computation and return its result as numeric';
CREATE FUNCTION smpc.sum_final_float4(internal) RETURNS float4
	AS 'MODULE_PATHNAME', 'smpc_sum_final_float4' LANGUAGE C PARALLEL SAFE;
COMMENT ON FUNCTION smpc.sum_final_float4(internal) IS 'run the joint computation and return its result as float4';
CREATE FUNCTION smpc.sum_final_float8(internal) RETURNS float8
	AS 'MODULE_PATHNAME', 'smpc_sum_final_float8' LANGUAGE C PARALLEL SAFE;
COMMENT ON FUNCTION smpc.sum_final_float8(internal) IS 'run the joint computation and return its result as float8';
CREATE FUNCTION smpc.avg_final_numeric(internal) RETURNS numeric
	AS 'MODULE_PATHNAME', 'smpc_avg_final_numeric' LANGUAGE C PARALLEL SAFE;
COMMENT ON FUNCTION smpc.avg_final_numeric(internal) IS 'run the joint computation and return its result as numeric';
CREATE FUNCTION smpc.avg_final_float8(internal) RETURNS float8
	AS 'MODULE_PATHNAME', 'smpc_avg_final_float8' LANGUAGE C PARALLEL SAFE;
COMMENT ON FUNCTION smpc.avg_final_float8(internal) IS 'run the joint computation and return its result as float8';
CREATE FUNCTION smpc.count_final(internal) RETURNS int8
	AS 'MODULE_PATHNAME', 'smpc_count_final' LANGUAGE C PARALLEL SAFE;
COMMENT ON FUNCTION smpc.count_final(internal) IS 'run the joint computation and return its result as int8';

CREATE AGGREGATE public.smpc_sum(int2, text) (
	SFUNC = smpc.trans_int2, STYPE = internal, FINALFUNC = smpc.sum_final_int8,
	COMBINEFUNC = smpc.agg_combine, SERIALFUNC = smpc.agg_serialize,
	DESERIALFUNC = smpc.agg_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE public.smpc_sum(int2, text) IS 'joint sum over all members of a peer group';
CREATE AGGREGATE public.smpc_avg(int2, text) (
	SFUNC = smpc.trans_int2, STYPE = internal, FINALFUNC = smpc.avg_final_numeric,
	COMBINEFUNC = smpc.agg_combine, SERIALFUNC = smpc.agg_serialize,
	DESERIALFUNC = smpc.agg_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE public.smpc_avg(int2, text) IS 'joint average over all members of a peer group';
CREATE AGGREGATE public.smpc_sum(int2, text, text) (
	SFUNC = smpc.trans_int2, STYPE = internal, FINALFUNC = smpc.sum_final_int8,
	COMBINEFUNC = smpc.agg_combine, SERIALFUNC = smpc.agg_serialize,
	DESERIALFUNC = smpc.agg_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE public.smpc_sum(int2, text, text) IS 'joint sum over all members of a peer group, with a label';
CREATE AGGREGATE public.smpc_avg(int2, text, text) (
	SFUNC = smpc.trans_int2, STYPE = internal, FINALFUNC = smpc.avg_final_numeric,
	COMBINEFUNC = smpc.agg_combine, SERIALFUNC = smpc.agg_serialize,
	DESERIALFUNC = smpc.agg_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE public.smpc_avg(int2, text, text) IS 'joint average over all members of a peer group, with a label';
CREATE AGGREGATE public.smpc_sum(int4, text) (
	SFUNC = smpc.trans_int4, STYPE = internal, FINALFUNC = smpc.sum_final_int8,
	COMBINEFUNC = smpc.agg_combine, SERIALFUNC = smpc.agg_serialize,
	DESERIALFUNC = smpc.agg_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE public.smpc_sum(int4, text) IS 'joint sum over all members of a peer group';
CREATE AGGREGATE public.smpc_avg(int4, text) (
	SFUNC = smpc.trans_int4, STYPE = internal, FINALFUNC = smpc.avg_final_numeric,
	COMBINEFUNC = smpc.agg_combine, SERIALFUNC = smpc.agg_serialize,
	DESERIALFUNC = smpc.agg_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE public.smpc_avg(int4, text) IS 'joint average over all members of a peer group';
CREATE AGGREGATE public.smpc_sum(int4, text, text) (
	SFUNC = smpc.trans_int4, STYPE = internal, FINALFUNC = smpc.sum_final_int8,
	COMBINEFUNC = smpc.agg_combine, SERIALFUNC = smpc.agg_serialize,
	DESERIALFUNC = smpc.agg_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE public.smpc_sum(int4, text, text) IS 'joint sum over all members of a peer group, with a label';
CREATE AGGREGATE public.smpc_avg(int4, text, text) (
	SFUNC = smpc.trans_int4, STYPE = internal, FINALFUNC = smpc.avg_final_numeric,
	COMBINEFUNC = smpc.agg_combine, SERIALFUNC = smpc.agg_serialize,
	DESERIALFUNC = smpc.agg_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE public.smpc_avg(int4, text, text) IS 'joint average over all members of a peer group, with a label';
CREATE AGGREGATE public.smpc_sum(int8, text) (
	SFUNC = smpc.trans_int8, STYPE = internal, FINALFUNC = smpc.sum_final_numeric,
	COMBINEFUNC = smpc.agg_combine, SERIALFUNC = smpc.agg_serialize,
	DESERIALFUNC = smpc.agg_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE public.smpc_sum(int8, text) IS 'joint sum over all members of a peer group';
CREATE AGGREGATE public.smpc_avg(int8, text) (
	SFUNC = smpc.trans_int8, STYPE = internal, FINALFUNC = smpc.avg_final_numeric,
	COMBINEFUNC = smpc.agg_combine, SERIALFUNC = smpc.agg_serialize,
	DESERIALFUNC = smpc.agg_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE public.smpc_avg(int8, text) IS 'joint average over all members of a peer group';
CREATE AGGREGATE public.smpc_sum(int8, text, text) (
	SFUNC = smpc.trans_int8, STYPE = internal, FINALFUNC = smpc.sum_final_numeric,
	COMBINEFUNC = smpc.agg_combine, SERIALFUNC = smpc.agg_serialize,
	DESERIALFUNC = smpc.agg_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE public.smpc_sum(int8, text, text) IS 'joint sum over all members of a peer group, with a label';
CREATE AGGREGATE public.smpc_avg(int8, text, text) (
	SFUNC = smpc.trans_int8, STYPE = internal, FINALFUNC = smpc.avg_final_numeric,
	COMBINEFUNC = smpc.agg_combine, SERIALFUNC = smpc.agg_serialize,
	DESERIALFUNC = smpc.agg_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE public.smpc_avg(int8, text, text) IS 'joint average over all members of a peer group, with a label';
CREATE AGGREGATE public.smpc_sum(numeric, text) (
	SFUNC = smpc.trans_numeric, STYPE = internal, FINALFUNC = smpc.sum_final_numeric,
	COMBINEFUNC = smpc.agg_combine, SERIALFUNC = smpc.agg_serialize,
	DESERIALFUNC = smpc.agg_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE public.smpc_sum(numeric, text) IS 'joint sum over all members of a peer group';
CREATE AGGREGATE public.smpc_avg(numeric, text) (
	SFUNC = smpc.trans_numeric, STYPE = internal, FINALFUNC = smpc.avg_final_numeric,
	COMBINEFUNC = smpc.agg_combine, SERIALFUNC = smpc.agg_serialize,
	DESERIALFUNC = smpc.agg_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE public.smpc_avg(numeric, text) IS 'joint average over all members of a peer group';
CREATE AGGREGATE public.smpc_sum(numeric, text, text) (
	SFUNC = smpc.trans_numeric, STYPE = internal, FINALFUNC = smpc.sum_final_numeric,
	COMBINEFUNC = smpc.agg_combine, SERIALFUNC = smpc.agg_serialize,
	DESERIALFUNC = smpc.agg_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE public.smpc_sum(numeric, text, text) IS 'joint sum over all members of a peer group, with a label';
CREATE AGGREGATE public.smpc_avg(numeric, text, text) (
	SFUNC = smpc.trans_numeric, STYPE = internal, FINALFUNC = smpc.avg_final_numeric,
	COMBINEFUNC = smpc.agg_combine, SERIALFUNC = smpc.agg_serialize,
	DESERIALFUNC = smpc.agg_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE public.smpc_avg(numeric, text, text) IS 'joint average over all members of a peer group, with a label';
CREATE AGGREGATE public.smpc_sum(float4, text) (
	SFUNC = smpc.trans_float4, STYPE = internal, FINALFUNC = smpc.sum_final_float4,
	COMBINEFUNC = smpc.agg_combine, SERIALFUNC = smpc.agg_serialize,
	DESERIALFUNC = smpc.agg_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE public.smpc_sum(float4, text) IS 'joint sum over all members of a peer group';
CREATE AGGREGATE public.smpc_avg(float4, text) (
	SFUNC = smpc.trans_float4, STYPE = internal, FINALFUNC = smpc.avg_final_float8,
	COMBINEFUNC = smpc.agg_combine, SERIALFUNC = smpc.agg_serialize,
	DESERIALFUNC = smpc.agg_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE public.smpc_avg(float4, text) IS 'joint average over all members of a peer group';
CREATE AGGREGATE public.smpc_sum(float4, text, text) (
	SFUNC = smpc.trans_float4, STYPE = internal, FINALFUNC = smpc.sum_final_float4,
	COMBINEFUNC = smpc.agg_combine, SERIALFUNC = smpc.agg_serialize,
	DESERIALFUNC = smpc.agg_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE public.smpc_sum(float4, text, text) IS 'joint sum over all members of a peer group, with a label';
CREATE AGGREGATE public.smpc_avg(float4, text, text) (
	SFUNC = smpc.trans_float4, STYPE = internal, FINALFUNC = smpc.avg_final_float8,
	COMBINEFUNC = smpc.agg_combine, SERIALFUNC = smpc.agg_serialize,
	DESERIALFUNC = smpc.agg_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE public.smpc_avg(float4, text, text) IS 'joint average over all members of a peer group, with a label';
CREATE AGGREGATE public.smpc_sum(float8, text) (
	SFUNC = smpc.trans_float8, STYPE = internal, FINALFUNC = smpc.sum_final_float8,
	COMBINEFUNC = smpc.agg_combine, SERIALFUNC = smpc.agg_serialize,
	DESERIALFUNC = smpc.agg_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE public.smpc_sum(float8, text) IS 'joint sum over all members of a peer group';
CREATE AGGREGATE public.smpc_avg(float8, text) (
	SFUNC = smpc.trans_float8, STYPE = internal, FINALFUNC = smpc.avg_final_float8,
	COMBINEFUNC = smpc.agg_combine, SERIALFUNC = smpc.agg_serialize,
	DESERIALFUNC = smpc.agg_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE public.smpc_avg(float8, text) IS 'joint average over all members of a peer group';
CREATE AGGREGATE public.smpc_sum(float8, text, text) (
	SFUNC = smpc.trans_float8, STYPE = internal, FINALFUNC = smpc.sum_final_float8,
	COMBINEFUNC = smpc.agg_combine, SERIALFUNC = smpc.agg_serialize,
	DESERIALFUNC = smpc.agg_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE public.smpc_sum(float8, text, text) IS 'joint sum over all members of a peer group, with a label';
CREATE AGGREGATE public.smpc_avg(float8, text, text) (
	SFUNC = smpc.trans_float8, STYPE = internal, FINALFUNC = smpc.avg_final_float8,
	COMBINEFUNC = smpc.agg_combine, SERIALFUNC = smpc.agg_serialize,
	DESERIALFUNC = smpc.agg_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE public.smpc_avg(float8, text, text) IS 'joint average over all members of a peer group, with a label';
CREATE AGGREGATE public.smpc_count("any", text) (
	SFUNC = smpc.trans_any, STYPE = internal, FINALFUNC = smpc.count_final,
	COMBINEFUNC = smpc.agg_combine, SERIALFUNC = smpc.agg_serialize,
	DESERIALFUNC = smpc.agg_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE public.smpc_count("any", text) IS 'joint count of non-NULL values over all members of a peer group';
CREATE AGGREGATE public.smpc_count_rows(text) (
	SFUNC = smpc.trans_rows, STYPE = internal, FINALFUNC = smpc.count_final,
	COMBINEFUNC = smpc.agg_combine, SERIALFUNC = smpc.agg_serialize,
	DESERIALFUNC = smpc.agg_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE public.smpc_count_rows(text) IS 'joint count of rows over all members of a peer group';
CREATE AGGREGATE public.smpc_count("any", text, text) (
	SFUNC = smpc.trans_any, STYPE = internal, FINALFUNC = smpc.count_final,
	COMBINEFUNC = smpc.agg_combine, SERIALFUNC = smpc.agg_serialize,
	DESERIALFUNC = smpc.agg_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE public.smpc_count("any", text, text) IS 'joint count of non-NULL values over all members of a peer group, with a label';
CREATE AGGREGATE public.smpc_count_rows(text, text) (
	SFUNC = smpc.trans_rows, STYPE = internal, FINALFUNC = smpc.count_final,
	COMBINEFUNC = smpc.agg_combine, SERIALFUNC = smpc.agg_serialize,
	DESERIALFUNC = smpc.agg_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE public.smpc_count_rows(text, text) IS 'joint count of rows over all members of a peer group, with a label';

/*
 * Privileges.  Nothing is granted to PUBLIC.  Three roles, shared by every
 * database of the cluster (they outlive DROP EXTENSION):
 *   smpc_admin      administers the node: the management functions and
 *                   views, but no direct right on the configuration tables;
 *   smpc_benchmark  runs the smpc aggregates (each makes this node
 *                   contribute an input to a joint computation) and reads
 *                   smpc.history;
 *   smpc_peer       for the logins the peers connect with: smpc.deliver()
 *                   and nothing else.
 */
REVOKE ALL ON ALL TABLES IN SCHEMA smpc FROM PUBLIC;
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA smpc FROM PUBLIC;
DO $$
DECLARE
	r text;
BEGIN
	FOREACH r IN ARRAY ARRAY['smpc_admin', 'smpc_benchmark', 'smpc_peer'] LOOP
		IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = r) THEN
			EXECUTE pg_catalog.format('CREATE ROLE %I NOLOGIN', r);
		END IF;
	END LOOP;
END
$$;
GRANT USAGE ON SCHEMA smpc TO smpc_admin, smpc_benchmark, smpc_peer;
GRANT EXECUTE ON FUNCTION smpc.init_node(text, boolean), smpc.rotate_key(),
	smpc.node_info(), smpc.create_peer_group(text, integer, integer, integer),
	smpc.drop_peer_group(text), smpc.add_peer(text, text, text, text),
	smpc.set_peer_key(text, text, text), smpc.remove_peer(text, text),
	smpc.mask_conninfo(text), smpc.peer_status_raw(),
	smpc.create_peer_login(text, text, integer, text) TO smpc_admin;
GRANT SELECT ON smpc.peer_groups, smpc.peers, smpc.peer_status, smpc.history TO smpc_admin;
GRANT EXECUTE ON FUNCTION smpc.deliver(bytea) TO smpc_peer;
GRANT SELECT ON smpc.history TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_sum(int2, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_sum(int2, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_avg(int2, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_avg(int2, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_sum(int2, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_sum(int2, text, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_avg(int2, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_avg(int2, text, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_sum(int4, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_sum(int4, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_avg(int4, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_avg(int4, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_sum(int4, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_sum(int4, text, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_avg(int4, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_avg(int4, text, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_sum(int8, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_sum(int8, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_avg(int8, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_avg(int8, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_sum(int8, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_sum(int8, text, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_avg(int8, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_avg(int8, text, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_sum(numeric, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_sum(numeric, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_avg(numeric, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_avg(numeric, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_sum(numeric, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_sum(numeric, text, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_avg(numeric, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_avg(numeric, text, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_sum(float4, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_sum(float4, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_avg(float4, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_avg(float4, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_sum(float4, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_sum(float4, text, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_avg(float4, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_avg(float4, text, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_sum(float8, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_sum(float8, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_avg(float8, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_avg(float8, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_sum(float8, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_sum(float8, text, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_avg(float8, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_avg(float8, text, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_count("any", text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_count("any", text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_count_rows(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_count_rows(text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_count("any", text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_count("any", text, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_count_rows(text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_count_rows(text, text) TO smpc_benchmark;

/*
 * Dispersion aggregates (moments.c): one computation over the vector
 * (count, sum, sum of squares) serves all six of them.
 */
CREATE FUNCTION smpc.vtrans_int2(internal, int2, text) RETURNS internal
	AS 'MODULE_PATHNAME', 'smpc_vtrans_int2' LANGUAGE C PARALLEL SAFE;
COMMENT ON FUNCTION smpc.vtrans_int2(internal, int2, text) IS 'smpc dispersion aggregate transition over int2';
CREATE FUNCTION smpc.vtrans_int2(internal, int2, text, text) RETURNS internal
	AS 'MODULE_PATHNAME', 'smpc_vtrans_int2' LANGUAGE C PARALLEL SAFE;
COMMENT ON FUNCTION smpc.vtrans_int2(internal, int2, text, text) IS 'smpc dispersion aggregate transition over int2';
CREATE FUNCTION smpc.vtrans_int4(internal, int4, text) RETURNS internal
	AS 'MODULE_PATHNAME', 'smpc_vtrans_int4' LANGUAGE C PARALLEL SAFE;
COMMENT ON FUNCTION smpc.vtrans_int4(internal, int4, text) IS 'smpc dispersion aggregate transition over int4';
CREATE FUNCTION smpc.vtrans_int4(internal, int4, text, text) RETURNS internal
	AS 'MODULE_PATHNAME', 'smpc_vtrans_int4' LANGUAGE C PARALLEL SAFE;
COMMENT ON FUNCTION smpc.vtrans_int4(internal, int4, text, text) IS 'smpc dispersion aggregate transition over int4';
CREATE FUNCTION smpc.vtrans_int8(internal, int8, text) RETURNS internal
	AS 'MODULE_PATHNAME', 'smpc_vtrans_int8' LANGUAGE C PARALLEL SAFE;
COMMENT ON FUNCTION smpc.vtrans_int8(internal, int8, text) IS 'smpc dispersion aggregate transition over int8';
CREATE FUNCTION smpc.vtrans_int8(internal, int8, text, text) RETURNS internal
	AS 'MODULE_PATHNAME', 'smpc_vtrans_int8' LANGUAGE C PARALLEL SAFE;
COMMENT ON FUNCTION smpc.vtrans_int8(internal, int8, text, text) IS 'smpc dispersion aggregate transition over int8';
CREATE FUNCTION smpc.vtrans_numeric(internal, numeric, text) RETURNS internal
	AS 'MODULE_PATHNAME', 'smpc_vtrans_numeric' LANGUAGE C PARALLEL SAFE;
COMMENT ON FUNCTION smpc.vtrans_numeric(internal, numeric, text) IS 'smpc dispersion aggregate transition over numeric';
CREATE FUNCTION smpc.vtrans_numeric(internal, numeric, text, text) RETURNS internal
	AS 'MODULE_PATHNAME', 'smpc_vtrans_numeric' LANGUAGE C PARALLEL SAFE;
COMMENT ON FUNCTION smpc.vtrans_numeric(internal, numeric, text, text) IS 'smpc dispersion aggregate transition over numeric';
CREATE FUNCTION smpc.vtrans_float4(internal, float4, text) RETURNS internal
	AS 'MODULE_PATHNAME', 'smpc_vtrans_float4' LANGUAGE C PARALLEL SAFE;
COMMENT ON FUNCTION smpc.vtrans_float4(internal, float4, text) IS 'smpc dispersion aggregate transition over float4';
CREATE FUNCTION smpc.vtrans_float4(internal, float4, text, text) RETURNS internal
	AS 'MODULE_PATHNAME', 'smpc_vtrans_float4' LANGUAGE C PARALLEL SAFE;
COMMENT ON FUNCTION smpc.vtrans_float4(internal, float4, text, text) IS 'smpc dispersion aggregate transition over float4';
CREATE FUNCTION smpc.vtrans_float8(internal, float8, text) RETURNS internal
	AS 'MODULE_PATHNAME', 'smpc_vtrans_float8' LANGUAGE C PARALLEL SAFE;
COMMENT ON FUNCTION smpc.vtrans_float8(internal, float8, text) IS 'smpc dispersion aggregate transition over float8';
CREATE FUNCTION smpc.vtrans_float8(internal, float8, text, text) RETURNS internal
	AS 'MODULE_PATHNAME', 'smpc_vtrans_float8' LANGUAGE C PARALLEL SAFE;
COMMENT ON FUNCTION smpc.vtrans_float8(internal, float8, text, text) IS 'smpc dispersion aggregate transition over float8';
CREATE FUNCTION smpc.var_samp_final_numeric(internal) RETURNS numeric
	AS 'MODULE_PATHNAME', 'smpc_var_samp_final_numeric' LANGUAGE C PARALLEL SAFE;
COMMENT ON FUNCTION smpc.var_samp_final_numeric(internal) IS 'run the joint computation and return its var samp as numeric';
CREATE FUNCTION smpc.var_samp_final_float8(internal) RETURNS float8
	AS 'MODULE_PATHNAME', 'smpc_var_samp_final_float8' LANGUAGE C PARALLEL SAFE;
COMMENT ON FUNCTION smpc.var_samp_final_float8(internal) IS 'run the joint computation and return its var samp as float8';
CREATE FUNCTION smpc.var_pop_final_numeric(internal) RETURNS numeric
	AS 'MODULE_PATHNAME', 'smpc_var_pop_final_numeric' LANGUAGE C PARALLEL SAFE;
COMMENT ON FUNCTION smpc.var_pop_final_numeric(internal) IS 'run the joint computation and return its var pop as numeric';
CREATE FUNCTION smpc.var_pop_final_float8(internal) RETURNS float8
	AS 'MODULE_PATHNAME', 'smpc_var_pop_final_float8' LANGUAGE C PARALLEL SAFE;
COMMENT ON FUNCTION smpc.var_pop_final_float8(internal) IS 'run the joint computation and return its var pop as float8';
CREATE FUNCTION smpc.stddev_samp_final_numeric(internal) RETURNS numeric
	AS 'MODULE_PATHNAME', 'smpc_stddev_samp_final_numeric' LANGUAGE C PARALLEL SAFE;
COMMENT ON FUNCTION smpc.stddev_samp_final_numeric(internal) IS 'run the joint computation and return its stddev samp as numeric';
CREATE FUNCTION smpc.stddev_samp_final_float8(internal) RETURNS float8
	AS 'MODULE_PATHNAME', 'smpc_stddev_samp_final_float8' LANGUAGE C PARALLEL SAFE;
COMMENT ON FUNCTION smpc.stddev_samp_final_float8(internal) IS 'run the joint computation and return its stddev samp as float8';
CREATE FUNCTION smpc.stddev_pop_final_numeric(internal) RETURNS numeric
	AS 'MODULE_PATHNAME', 'smpc_stddev_pop_final_numeric' LANGUAGE C PARALLEL SAFE;
COMMENT ON FUNCTION smpc.stddev_pop_final_numeric(internal) IS 'run the joint computation and return its stddev pop as numeric';
CREATE FUNCTION smpc.stddev_pop_final_float8(internal) RETURNS float8
	AS 'MODULE_PATHNAME', 'smpc_stddev_pop_final_float8' LANGUAGE C PARALLEL SAFE;
COMMENT ON FUNCTION smpc.stddev_pop_final_float8(internal) IS 'run the joint computation and return its stddev pop as float8';
CREATE AGGREGATE public.smpc_var_samp(int2, text) (
	SFUNC = smpc.vtrans_int2, STYPE = internal, FINALFUNC = smpc.var_samp_final_numeric,
	COMBINEFUNC = smpc.agg_combine, SERIALFUNC = smpc.agg_serialize,
	DESERIALFUNC = smpc.agg_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE public.smpc_var_samp(int2, text) IS 'joint sample variance over all members of a peer group';
CREATE AGGREGATE public.smpc_var_samp(int2, text, text) (
	SFUNC = smpc.vtrans_int2, STYPE = internal, FINALFUNC = smpc.var_samp_final_numeric,
	COMBINEFUNC = smpc.agg_combine, SERIALFUNC = smpc.agg_serialize,
	DESERIALFUNC = smpc.agg_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE public.smpc_var_samp(int2, text, text) IS 'joint sample variance over all members of a peer group, with a label';
CREATE AGGREGATE public.smpc_var_samp(int4, text) (
	SFUNC = smpc.vtrans_int4, STYPE = internal, FINALFUNC = smpc.var_samp_final_numeric,
	COMBINEFUNC = smpc.agg_combine, SERIALFUNC = smpc.agg_serialize,
	DESERIALFUNC = smpc.agg_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE public.smpc_var_samp(int4, text) IS 'joint sample variance over all members of a peer group';
CREATE AGGREGATE public.smpc_var_samp(int4, text, text) (
	SFUNC = smpc.vtrans_int4, STYPE = internal, FINALFUNC = smpc.var_samp_final_numeric,
	COMBINEFUNC = smpc.agg_combine, SERIALFUNC = smpc.agg_serialize,
	DESERIALFUNC = smpc.agg_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE public.smpc_var_samp(int4, text, text) IS 'joint sample variance over all members of a peer group, with a label';
CREATE AGGREGATE public.smpc_var_samp(int8, text) (
	SFUNC = smpc.vtrans_int8, STYPE = internal, FINALFUNC = smpc.var_samp_final_numeric,
	COMBINEFUNC = smpc.agg_combine, SERIALFUNC = smpc.agg_serialize,
	DESERIALFUNC = smpc.agg_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE public.smpc_var_samp(int8, text) IS 'joint sample variance over all members of a peer group';
CREATE AGGREGATE public.smpc_var_samp(int8, text, text) (
	SFUNC = smpc.vtrans_int8, STYPE = internal, FINALFUNC = smpc.var_samp_final_numeric,
	COMBINEFUNC = smpc.agg_combine, SERIALFUNC = smpc.agg_serialize,
	DESERIALFUNC = smpc.agg_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE public.smpc_var_samp(int8, text, text) IS 'joint sample variance over all members of a peer group, with a label';
CREATE AGGREGATE public.smpc_var_samp(numeric, text) (
	SFUNC = smpc.vtrans_numeric, STYPE = internal, FINALFUNC = smpc.var_samp_final_numeric,
	COMBINEFUNC = smpc.agg_combine, SERIALFUNC = smpc.agg_serialize,
	DESERIALFUNC = smpc.agg_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE public.smpc_var_samp(numeric, text) IS 'joint sample variance over all members of a peer group';
CREATE AGGREGATE public.smpc_var_samp(numeric, text, text) (
	SFUNC = smpc.vtrans_numeric, STYPE = internal, FINALFUNC = smpc.var_samp_final_numeric,
	COMBINEFUNC = smpc.agg_combine, SERIALFUNC = smpc.agg_serialize,
	DESERIALFUNC = smpc.agg_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE public.smpc_var_samp(numeric, text, text) IS 'joint sample variance over all members of a peer group, with a label';
CREATE AGGREGATE public.smpc_var_samp(float4, text) (
	SFUNC = smpc.vtrans_float4, STYPE = internal, FINALFUNC = smpc.var_samp_final_float8,
	COMBINEFUNC = smpc.agg_combine, SERIALFUNC = smpc.agg_serialize,
	DESERIALFUNC = smpc.agg_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE public.smpc_var_samp(float4, text) IS 'joint sample variance over all members of a peer group';
CREATE AGGREGATE public.smpc_var_samp(float4, text, text) (
	SFUNC = smpc.vtrans_float4, STYPE = internal, FINALFUNC = smpc.var_samp_final_float8,
	COMBINEFUNC = smpc.agg_combine, SERIALFUNC = smpc.agg_serialize,
	DESERIALFUNC = smpc.agg_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE public.smpc_var_samp(float4, text, text) IS 'joint sample variance over all members of a peer group, with a label';
CREATE AGGREGATE public.smpc_var_samp(float8, text) (
	SFUNC = smpc.vtrans_float8, STYPE = internal, FINALFUNC = smpc.var_samp_final_float8,
	COMBINEFUNC = smpc.agg_combine, SERIALFUNC = smpc.agg_serialize,
	DESERIALFUNC = smpc.agg_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE public.smpc_var_samp(float8, text) IS 'joint sample variance over all members of a peer group';
CREATE AGGREGATE public.smpc_var_samp(float8, text, text) (
	SFUNC = smpc.vtrans_float8, STYPE = internal, FINALFUNC = smpc.var_samp_final_float8,
	COMBINEFUNC = smpc.agg_combine, SERIALFUNC = smpc.agg_serialize,
	DESERIALFUNC = smpc.agg_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE public.smpc_var_samp(float8, text, text) IS 'joint sample variance over all members of a peer group, with a label';
CREATE AGGREGATE public.smpc_var_pop(int2, text) (
	SFUNC = smpc.vtrans_int2, STYPE = internal, FINALFUNC = smpc.var_pop_final_numeric,
	COMBINEFUNC = smpc.agg_combine, SERIALFUNC = smpc.agg_serialize,
	DESERIALFUNC = smpc.agg_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE public.smpc_var_pop(int2, text) IS 'joint population variance over all members of a peer group';
CREATE AGGREGATE public.smpc_var_pop(int2, text, text) (
	SFUNC = smpc.vtrans_int2, STYPE = internal, FINALFUNC = smpc.var_pop_final_numeric,
	COMBINEFUNC = smpc.agg_combine, SERIALFUNC = smpc.agg_serialize,
	DESERIALFUNC = smpc.agg_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE public.smpc_var_pop(int2, text, text) IS 'joint population variance over all members of a peer group, with a label';
CREATE AGGREGATE public.smpc_var_pop(int4, text) (
	SFUNC = smpc.vtrans_int4, STYPE = internal, FINALFUNC = smpc.var_pop_final_numeric,
	COMBINEFUNC = smpc.agg_combine, SERIALFUNC = smpc.agg_serialize,
	DESERIALFUNC = smpc.agg_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE public.smpc_var_pop(int4, text) IS 'joint population variance over all members of a peer group';
CREATE AGGREGATE public.smpc_var_pop(int4, text, text) (
	SFUNC = smpc.vtrans_int4, STYPE = internal, FINALFUNC = smpc.var_pop_final_numeric,
	COMBINEFUNC = smpc.agg_combine, SERIALFUNC = smpc.agg_serialize,
	DESERIALFUNC = smpc.agg_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE public.smpc_var_pop(int4, text, text) IS 'joint population variance over all members of a peer group, with a label';
CREATE AGGREGATE public.smpc_var_pop(int8, text) (
	SFUNC = smpc.vtrans_int8, STYPE = internal, FINALFUNC = smpc.var_pop_final_numeric,
	COMBINEFUNC = smpc.agg_combine, SERIALFUNC = smpc.agg_serialize,
	DESERIALFUNC = smpc.agg_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE public.smpc_var_pop(int8, text) IS 'joint population variance over all members of a peer group';
CREATE AGGREGATE public.smpc_var_pop(int8, text, text) (
	SFUNC = smpc.vtrans_int8, STYPE = internal, FINALFUNC = smpc.var_pop_final_numeric,
	COMBINEFUNC = smpc.agg_combine, SERIALFUNC = smpc.agg_serialize,
	DESERIALFUNC = smpc.agg_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE public.smpc_var_pop(int8, text, text) IS 'joint population variance over all members of a peer group, with a label';
CREATE AGGREGATE public.smpc_var_pop(numeric, text) (
	SFUNC = smpc.vtrans_numeric, STYPE = internal, FINALFUNC = smpc.var_pop_final_numeric,
	COMBINEFUNC = smpc.agg_combine, SERIALFUNC = smpc.agg_serialize,
	DESERIALFUNC = smpc.agg_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE public.smpc_var_pop(numeric, text) IS 'joint population variance over all members of a peer group';
CREATE AGGREGATE public.smpc_var_pop(numeric, text, text) (
	SFUNC = smpc.vtrans_numeric, STYPE = internal, FINALFUNC = smpc.var_pop_final_numeric,
	COMBINEFUNC = smpc.agg_combine, SERIALFUNC = smpc.agg_serialize,
	DESERIALFUNC = smpc.agg_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE public.smpc_var_pop(numeric, text, text) IS 'joint population variance over all members of a peer group, with a label';
CREATE AGGREGATE public.smpc_var_pop(float4, text) (
	SFUNC = smpc.vtrans_float4, STYPE = internal, FINALFUNC = smpc.var_pop_final_float8,
	COMBINEFUNC = smpc.agg_combine, SERIALFUNC = smpc.agg_serialize,
	DESERIALFUNC = smpc.agg_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE public.smpc_var_pop(float4, text) IS 'joint population variance over all members of a peer group';
CREATE AGGREGATE public.smpc_var_pop(float4, text, text) (
	SFUNC = smpc.vtrans_float4, STYPE = internal, FINALFUNC = smpc.var_pop_final_float8,
	COMBINEFUNC = smpc.agg_combine, SERIALFUNC = smpc.agg_serialize,
	DESERIALFUNC = smpc.agg_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE public.smpc_var_pop(float4, text, text) IS 'joint population variance over all members of a peer group, with a label';
CREATE AGGREGATE public.smpc_var_pop(float8, text) (
	SFUNC = smpc.vtrans_float8, STYPE = internal, FINALFUNC = smpc.var_pop_final_float8,
	COMBINEFUNC = smpc.agg_combine, SERIALFUNC = smpc.agg_serialize,
	DESERIALFUNC = smpc.agg_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE public.smpc_var_pop(float8, text) IS 'joint population variance over all members of a peer group';
CREATE AGGREGATE public.smpc_var_pop(float8, text, text) (
	SFUNC = smpc.vtrans_float8, STYPE = internal, FINALFUNC = smpc.var_pop_final_float8,
	COMBINEFUNC = smpc.agg_combine, SERIALFUNC = smpc.agg_serialize,
	DESERIALFUNC = smpc.agg_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE public.smpc_var_pop(float8, text, text) IS 'joint population variance over all members of a peer group, with a label';
CREATE AGGREGATE public.smpc_variance(int2, text) (
	SFUNC = smpc.vtrans_int2, STYPE = internal, FINALFUNC = smpc.var_samp_final_numeric,
	COMBINEFUNC = smpc.agg_combine, SERIALFUNC = smpc.agg_serialize,
	DESERIALFUNC = smpc.agg_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE public.smpc_variance(int2, text) IS 'joint sample variance (like variance()) over all members of a peer group';
CREATE AGGREGATE public.smpc_variance(int2, text, text) (
	SFUNC = smpc.vtrans_int2, STYPE = internal, FINALFUNC = smpc.var_samp_final_numeric,
	COMBINEFUNC = smpc.agg_combine, SERIALFUNC = smpc.agg_serialize,
	DESERIALFUNC = smpc.agg_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE public.smpc_variance(int2, text, text) IS 'joint sample variance (like variance()) over all members of a peer group, with a label';
CREATE AGGREGATE public.smpc_variance(int4, text) (
	SFUNC = smpc.vtrans_int4, STYPE = internal, FINALFUNC = smpc.var_samp_final_numeric,
	COMBINEFUNC = smpc.agg_combine, SERIALFUNC = smpc.agg_serialize,
	DESERIALFUNC = smpc.agg_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE public.smpc_variance(int4, text) IS 'joint sample variance (like variance()) over all members of a peer group';
CREATE AGGREGATE public.smpc_variance(int4, text, text) (
	SFUNC = smpc.vtrans_int4, STYPE = internal, FINALFUNC = smpc.var_samp_final_numeric,
	COMBINEFUNC = smpc.agg_combine, SERIALFUNC = smpc.agg_serialize,
	DESERIALFUNC = smpc.agg_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE public.smpc_variance(int4, text, text) IS 'joint sample variance (like variance()) over all members of a peer group, with a label';
CREATE AGGREGATE public.smpc_variance(int8, text) (
	SFUNC = smpc.vtrans_int8, STYPE = internal, FINALFUNC = smpc.var_samp_final_numeric,
	COMBINEFUNC = smpc.agg_combine, SERIALFUNC = smpc.agg_serialize,
	DESERIALFUNC = smpc.agg_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE public.smpc_variance(int8, text) IS 'joint sample variance (like variance()) over all members of a peer group';
CREATE AGGREGATE public.smpc_variance(int8, text, text) (
	SFUNC = smpc.vtrans_int8, STYPE = internal, FINALFUNC = smpc.var_samp_final_numeric,
	COMBINEFUNC = smpc.agg_combine, SERIALFUNC = smpc.agg_serialize,
	DESERIALFUNC = smpc.agg_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE public.smpc_variance(int8, text, text) IS 'joint sample variance (like variance()) over all members of a peer group, with a label';
CREATE AGGREGATE public.smpc_variance(numeric, text) (
	SFUNC = smpc.vtrans_numeric, STYPE = internal, FINALFUNC = smpc.var_samp_final_numeric,
	COMBINEFUNC = smpc.agg_combine, SERIALFUNC = smpc.agg_serialize,
	DESERIALFUNC = smpc.agg_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE public.smpc_variance(numeric, text) IS 'joint sample variance (like variance()) over all members of a peer group';
CREATE AGGREGATE public.smpc_variance(numeric, text, text) (
	SFUNC = smpc.vtrans_numeric, STYPE = internal, FINALFUNC = smpc.var_samp_final_numeric,
	COMBINEFUNC = smpc.agg_combine, SERIALFUNC = smpc.agg_serialize,
	DESERIALFUNC = smpc.agg_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE public.smpc_variance(numeric, text, text) IS 'joint sample variance (like variance()) over all members of a peer group, with a label';
CREATE AGGREGATE public.smpc_variance(float4, text) (
	SFUNC = smpc.vtrans_float4, STYPE = internal, FINALFUNC = smpc.var_samp_final_float8,
	COMBINEFUNC = smpc.agg_combine, SERIALFUNC = smpc.agg_serialize,
	DESERIALFUNC = smpc.agg_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE public.smpc_variance(float4, text) IS 'joint sample variance (like variance()) over all members of a peer group';
CREATE AGGREGATE public.smpc_variance(float4, text, text) (
	SFUNC = smpc.vtrans_float4, STYPE = internal, FINALFUNC = smpc.var_samp_final_float8,
	COMBINEFUNC = smpc.agg_combine, SERIALFUNC = smpc.agg_serialize,
	DESERIALFUNC = smpc.agg_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE public.smpc_variance(float4, text, text) IS 'joint sample variance (like variance()) over all members of a peer group, with a label';
CREATE AGGREGATE public.smpc_variance(float8, text) (
	SFUNC = smpc.vtrans_float8, STYPE = internal, FINALFUNC = smpc.var_samp_final_float8,
	COMBINEFUNC = smpc.agg_combine, SERIALFUNC = smpc.agg_serialize,
	DESERIALFUNC = smpc.agg_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE public.smpc_variance(float8, text) IS 'joint sample variance (like variance()) over all members of a peer group';
CREATE AGGREGATE public.smpc_variance(float8, text, text) (
	SFUNC = smpc.vtrans_float8, STYPE = internal, FINALFUNC = smpc.var_samp_final_float8,
	COMBINEFUNC = smpc.agg_combine, SERIALFUNC = smpc.agg_serialize,
	DESERIALFUNC = smpc.agg_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE public.smpc_variance(float8, text, text) IS 'joint sample variance (like variance()) over all members of a peer group, with a label';
CREATE AGGREGATE public.smpc_stddev_samp(int2, text) (
	SFUNC = smpc.vtrans_int2, STYPE = internal, FINALFUNC = smpc.stddev_samp_final_numeric,
	COMBINEFUNC = smpc.agg_combine, SERIALFUNC = smpc.agg_serialize,
	DESERIALFUNC = smpc.agg_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE public.smpc_stddev_samp(int2, text) IS 'joint sample standard deviation over all members of a peer group';
CREATE AGGREGATE public.smpc_stddev_samp(int2, text, text) (
	SFUNC = smpc.vtrans_int2, STYPE = internal, FINALFUNC = smpc.stddev_samp_final_numeric,
	COMBINEFUNC = smpc.agg_combine, SERIALFUNC = smpc.agg_serialize,
	DESERIALFUNC = smpc.agg_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE public.smpc_stddev_samp(int2, text, text) IS 'joint sample standard deviation over all members of a peer group, with a label';
CREATE AGGREGATE public.smpc_stddev_samp(int4, text) (
	SFUNC = smpc.vtrans_int4, STYPE = internal, FINALFUNC = smpc.stddev_samp_final_numeric,
	COMBINEFUNC = smpc.agg_combine, SERIALFUNC = smpc.agg_serialize,
	DESERIALFUNC = smpc.agg_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE public.smpc_stddev_samp(int4, text) IS 'joint sample standard deviation over all members of a peer group';
CREATE AGGREGATE public.smpc_stddev_samp(int4, text, text) (
	SFUNC = smpc.vtrans_int4, STYPE = internal, FINALFUNC = smpc.stddev_samp_final_numeric,
	COMBINEFUNC = smpc.agg_combine, SERIALFUNC = smpc.agg_serialize,
	DESERIALFUNC = smpc.agg_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE public.smpc_stddev_samp(int4, text, text) IS 'joint sample standard deviation over all members of a peer group, with a label';
CREATE AGGREGATE public.smpc_stddev_samp(int8, text) (
	SFUNC = smpc.vtrans_int8, STYPE = internal, FINALFUNC = smpc.stddev_samp_final_numeric,
	COMBINEFUNC = smpc.agg_combine, SERIALFUNC = smpc.agg_serialize,
	DESERIALFUNC = smpc.agg_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE public.smpc_stddev_samp(int8, text) IS 'joint sample standard deviation over all members of a peer group';
CREATE AGGREGATE public.smpc_stddev_samp(int8, text, text) (
	SFUNC = smpc.vtrans_int8, STYPE = internal, FINALFUNC = smpc.stddev_samp_final_numeric,
	COMBINEFUNC = smpc.agg_combine, SERIALFUNC = smpc.agg_serialize,
	DESERIALFUNC = smpc.agg_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE public.smpc_stddev_samp(int8, text, text) IS 'joint sample standard deviation over all members of a peer group, with a label';
CREATE AGGREGATE public.smpc_stddev_samp(numeric, text) (
	SFUNC = smpc.vtrans_numeric, STYPE = internal, FINALFUNC = smpc.stddev_samp_final_numeric,
	COMBINEFUNC = smpc.agg_combine, SERIALFUNC = smpc.agg_serialize,
	DESERIALFUNC = smpc.agg_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE public.smpc_stddev_samp(numeric, text) IS 'joint sample standard deviation over all members of a peer group';
CREATE AGGREGATE public.smpc_stddev_samp(numeric, text, text) (
	SFUNC = smpc.vtrans_numeric, STYPE = internal, FINALFUNC = smpc.stddev_samp_final_numeric,
	COMBINEFUNC = smpc.agg_combine, SERIALFUNC = smpc.agg_serialize,
	DESERIALFUNC = smpc.agg_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE public.smpc_stddev_samp(numeric, text, text) IS 'joint sample standard deviation over all members of a peer group, with a label';
CREATE AGGREGATE public.smpc_stddev_samp(float4, text) (
	SFUNC = smpc.vtrans_float4, STYPE = internal, FINALFUNC = smpc.stddev_samp_final_float8,
	COMBINEFUNC = smpc.agg_combine, SERIALFUNC = smpc.agg_serialize,
	DESERIALFUNC = smpc.agg_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE public.smpc_stddev_samp(float4, text) IS 'joint sample standard deviation over all members of a peer group';
CREATE AGGREGATE public.smpc_stddev_samp(float4, text, text) (
	SFUNC = smpc.vtrans_float4, STYPE = internal, FINALFUNC = smpc.stddev_samp_final_float8,
	COMBINEFUNC = smpc.agg_combine, SERIALFUNC = smpc.agg_serialize,
	DESERIALFUNC = smpc.agg_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE public.smpc_stddev_samp(float4, text, text) IS 'joint sample standard deviation over all members of a peer group, with a label';
CREATE AGGREGATE public.smpc_stddev_samp(float8, text) (
	SFUNC = smpc.vtrans_float8, STYPE = internal, FINALFUNC = smpc.stddev_samp_final_float8,
	COMBINEFUNC = smpc.agg_combine, SERIALFUNC = smpc.agg_serialize,
	DESERIALFUNC = smpc.agg_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE public.smpc_stddev_samp(float8, text) IS 'joint sample standard deviation over all members of a peer group';
CREATE AGGREGATE public.smpc_stddev_samp(float8, text, text) (
	SFUNC = smpc.vtrans_float8, STYPE = internal, FINALFUNC = smpc.stddev_samp_final_float8,
	COMBINEFUNC = smpc.agg_combine, SERIALFUNC = smpc.agg_serialize,
	DESERIALFUNC = smpc.agg_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE public.smpc_stddev_samp(float8, text, text) IS 'joint sample standard deviation over all members of a peer group, with a label';
CREATE AGGREGATE public.smpc_stddev_pop(int2, text) (
	SFUNC = smpc.vtrans_int2, STYPE = internal, FINALFUNC = smpc.stddev_pop_final_numeric,
	COMBINEFUNC = smpc.agg_combine, SERIALFUNC = smpc.agg_serialize,
	DESERIALFUNC = smpc.agg_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE public.smpc_stddev_pop(int2, text) IS 'joint population standard deviation over all members of a peer group';
CREATE AGGREGATE public.smpc_stddev_pop(int2, text, text) (
	SFUNC = smpc.vtrans_int2, STYPE = internal, FINALFUNC = smpc.stddev_pop_final_numeric,
	COMBINEFUNC = smpc.agg_combine, SERIALFUNC = smpc.agg_serialize,
	DESERIALFUNC = smpc.agg_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE public.smpc_stddev_pop(int2, text, text) IS 'joint population standard deviation over all members of a peer group, with a label';
CREATE AGGREGATE public.smpc_stddev_pop(int4, text) (
	SFUNC = smpc.vtrans_int4, STYPE = internal, FINALFUNC = smpc.stddev_pop_final_numeric,
	COMBINEFUNC = smpc.agg_combine, SERIALFUNC = smpc.agg_serialize,
	DESERIALFUNC = smpc.agg_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE public.smpc_stddev_pop(int4, text) IS 'joint population standard deviation over all members of a peer group';
CREATE AGGREGATE public.smpc_stddev_pop(int4, text, text) (
	SFUNC = smpc.vtrans_int4, STYPE = internal, FINALFUNC = smpc.stddev_pop_final_numeric,
	COMBINEFUNC = smpc.agg_combine, SERIALFUNC = smpc.agg_serialize,
	DESERIALFUNC = smpc.agg_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE public.smpc_stddev_pop(int4, text, text) IS 'joint population standard deviation over all members of a peer group, with a label';
CREATE AGGREGATE public.smpc_stddev_pop(int8, text) (
	SFUNC = smpc.vtrans_int8, STYPE = internal, FINALFUNC = smpc.stddev_pop_final_numeric,
	COMBINEFUNC = smpc.agg_combine, SERIALFUNC = smpc.agg_serialize,
	DESERIALFUNC = smpc.agg_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE public.smpc_stddev_pop(int8, text) IS 'joint population standard deviation over all members of a peer group';
CREATE AGGREGATE public.smpc_stddev_pop(int8, text, text) (
	SFUNC = smpc.vtrans_int8, STYPE = internal, FINALFUNC = smpc.stddev_pop_final_numeric,
	COMBINEFUNC = smpc.agg_combine, SERIALFUNC = smpc.agg_serialize,
	DESERIALFUNC = smpc.agg_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE public.smpc_stddev_pop(int8, text, text) IS 'joint population standard deviation over all members of a peer group, with a label';
CREATE AGGREGATE public.smpc_stddev_pop(numeric, text) (
	SFUNC = smpc.vtrans_numeric, STYPE = internal, FINALFUNC = smpc.stddev_pop_final_numeric,
	COMBINEFUNC = smpc.agg_combine, SERIALFUNC = smpc.agg_serialize,
	DESERIALFUNC = smpc.agg_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE public.smpc_stddev_pop(numeric, text) IS 'joint population standard deviation over all members of a peer group';
CREATE AGGREGATE public.smpc_stddev_pop(numeric, text, text) (
	SFUNC = smpc.vtrans_numeric, STYPE = internal, FINALFUNC = smpc.stddev_pop_final_numeric,
	COMBINEFUNC = smpc.agg_combine, SERIALFUNC = smpc.agg_serialize,
	DESERIALFUNC = smpc.agg_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE public.smpc_stddev_pop(numeric, text, text) IS 'joint population standard deviation over all members of a peer group, with a label';
CREATE AGGREGATE public.smpc_stddev_pop(float4, text) (
	SFUNC = smpc.vtrans_float4, STYPE = internal, FINALFUNC = smpc.stddev_pop_final_float8,
	COMBINEFUNC = smpc.agg_combine, SERIALFUNC = smpc.agg_serialize,
	DESERIALFUNC = smpc.agg_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE public.smpc_stddev_pop(float4, text) IS 'joint population standard deviation over all members of a peer group';
CREATE AGGREGATE public.smpc_stddev_pop(float4, text, text) (
	SFUNC = smpc.vtrans_float4, STYPE = internal, FINALFUNC = smpc.stddev_pop_final_float8,
	COMBINEFUNC = smpc.agg_combine, SERIALFUNC = smpc.agg_serialize,
	DESERIALFUNC = smpc.agg_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE public.smpc_stddev_pop(float4, text, text) IS 'joint population standard deviation over all members of a peer group, with a label';
CREATE AGGREGATE public.smpc_stddev_pop(float8, text) (
	SFUNC = smpc.vtrans_float8, STYPE = internal, FINALFUNC = smpc.stddev_pop_final_float8,
	COMBINEFUNC = smpc.agg_combine, SERIALFUNC = smpc.agg_serialize,
	DESERIALFUNC = smpc.agg_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE public.smpc_stddev_pop(float8, text) IS 'joint population standard deviation over all members of a peer group';
CREATE AGGREGATE public.smpc_stddev_pop(float8, text, text) (
	SFUNC = smpc.vtrans_float8, STYPE = internal, FINALFUNC = smpc.stddev_pop_final_float8,
	COMBINEFUNC = smpc.agg_combine, SERIALFUNC = smpc.agg_serialize,
	DESERIALFUNC = smpc.agg_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE public.smpc_stddev_pop(float8, text, text) IS 'joint population standard deviation over all members of a peer group, with a label';
CREATE AGGREGATE public.smpc_stddev(int2, text) (
	SFUNC = smpc.vtrans_int2, STYPE = internal, FINALFUNC = smpc.stddev_samp_final_numeric,
	COMBINEFUNC = smpc.agg_combine, SERIALFUNC = smpc.agg_serialize,
	DESERIALFUNC = smpc.agg_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE public.smpc_stddev(int2, text) IS 'joint sample standard deviation (like stddev()) over all members of a peer group';
CREATE AGGREGATE public.smpc_stddev(int2, text, text) (
	SFUNC = smpc.vtrans_int2, STYPE = internal, FINALFUNC = smpc.stddev_samp_final_numeric,
	COMBINEFUNC = smpc.agg_combine, SERIALFUNC = smpc.agg_serialize,
	DESERIALFUNC = smpc.agg_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE public.smpc_stddev(int2, text, text) IS 'joint sample standard deviation (like stddev()) over all members of a peer group, with a label';
CREATE AGGREGATE public.smpc_stddev(int4, text) (
	SFUNC = smpc.vtrans_int4, STYPE = internal, FINALFUNC = smpc.stddev_samp_final_numeric,
	COMBINEFUNC = smpc.agg_combine, SERIALFUNC = smpc.agg_serialize,
	DESERIALFUNC = smpc.agg_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE public.smpc_stddev(int4, text) IS 'joint sample standard deviation (like stddev()) over all members of a peer group';
CREATE AGGREGATE public.smpc_stddev(int4, text, text) (
	SFUNC = smpc.vtrans_int4, STYPE = internal, FINALFUNC = smpc.stddev_samp_final_numeric,
	COMBINEFUNC = smpc.agg_combine, SERIALFUNC = smpc.agg_serialize,
	DESERIALFUNC = smpc.agg_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE public.smpc_stddev(int4, text, text) IS 'joint sample standard deviation (like stddev()) over all members of a peer group, with a label';
CREATE AGGREGATE public.smpc_stddev(int8, text) (
	SFUNC = smpc.vtrans_int8, STYPE = internal, FINALFUNC = smpc.stddev_samp_final_numeric,
	COMBINEFUNC = smpc.agg_combine, SERIALFUNC = smpc.agg_serialize,
	DESERIALFUNC = smpc.agg_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE public.smpc_stddev(int8, text) IS 'joint sample standard deviation (like stddev()) over all members of a peer group';
CREATE AGGREGATE public.smpc_stddev(int8, text, text) (
	SFUNC = smpc.vtrans_int8, STYPE = internal, FINALFUNC = smpc.stddev_samp_final_numeric,
	COMBINEFUNC = smpc.agg_combine, SERIALFUNC = smpc.agg_serialize,
	DESERIALFUNC = smpc.agg_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE public.smpc_stddev(int8, text, text) IS 'joint sample standard deviation (like stddev()) over all members of a peer group, with a label';
CREATE AGGREGATE public.smpc_stddev(numeric, text) (
	SFUNC = smpc.vtrans_numeric, STYPE = internal, FINALFUNC = smpc.stddev_samp_final_numeric,
	COMBINEFUNC = smpc.agg_combine, SERIALFUNC = smpc.agg_serialize,
	DESERIALFUNC = smpc.agg_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE public.smpc_stddev(numeric, text) IS 'joint sample standard deviation (like stddev()) over all members of a peer group';
CREATE AGGREGATE public.smpc_stddev(numeric, text, text) (
	SFUNC = smpc.vtrans_numeric, STYPE = internal, FINALFUNC = smpc.stddev_samp_final_numeric,
	COMBINEFUNC = smpc.agg_combine, SERIALFUNC = smpc.agg_serialize,
	DESERIALFUNC = smpc.agg_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE public.smpc_stddev(numeric, text, text) IS 'joint sample standard deviation (like stddev()) over all members of a peer group, with a label';
CREATE AGGREGATE public.smpc_stddev(float4, text) (
	SFUNC = smpc.vtrans_float4, STYPE = internal, FINALFUNC = smpc.stddev_samp_final_float8,
	COMBINEFUNC = smpc.agg_combine, SERIALFUNC = smpc.agg_serialize,
	DESERIALFUNC = smpc.agg_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE public.smpc_stddev(float4, text) IS 'joint sample standard deviation (like stddev()) over all members of a peer group';
CREATE AGGREGATE public.smpc_stddev(float4, text, text) (
	SFUNC = smpc.vtrans_float4, STYPE = internal, FINALFUNC = smpc.stddev_samp_final_float8,
	COMBINEFUNC = smpc.agg_combine, SERIALFUNC = smpc.agg_serialize,
	DESERIALFUNC = smpc.agg_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE public.smpc_stddev(float4, text, text) IS 'joint sample standard deviation (like stddev()) over all members of a peer group, with a label';
CREATE AGGREGATE public.smpc_stddev(float8, text) (
	SFUNC = smpc.vtrans_float8, STYPE = internal, FINALFUNC = smpc.stddev_samp_final_float8,
	COMBINEFUNC = smpc.agg_combine, SERIALFUNC = smpc.agg_serialize,
	DESERIALFUNC = smpc.agg_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE public.smpc_stddev(float8, text) IS 'joint sample standard deviation (like stddev()) over all members of a peer group';
CREATE AGGREGATE public.smpc_stddev(float8, text, text) (
	SFUNC = smpc.vtrans_float8, STYPE = internal, FINALFUNC = smpc.stddev_samp_final_float8,
	COMBINEFUNC = smpc.agg_combine, SERIALFUNC = smpc.agg_serialize,
	DESERIALFUNC = smpc.agg_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE public.smpc_stddev(float8, text, text) IS 'joint sample standard deviation (like stddev()) over all members of a peer group, with a label';
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA smpc FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION public.smpc_var_samp(int2, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_var_samp(int2, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_var_samp(int2, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_var_samp(int2, text, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_var_samp(int4, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_var_samp(int4, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_var_samp(int4, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_var_samp(int4, text, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_var_samp(int8, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_var_samp(int8, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_var_samp(int8, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_var_samp(int8, text, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_var_samp(numeric, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_var_samp(numeric, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_var_samp(numeric, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_var_samp(numeric, text, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_var_samp(float4, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_var_samp(float4, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_var_samp(float4, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_var_samp(float4, text, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_var_samp(float8, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_var_samp(float8, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_var_samp(float8, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_var_samp(float8, text, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_var_pop(int2, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_var_pop(int2, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_var_pop(int2, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_var_pop(int2, text, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_var_pop(int4, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_var_pop(int4, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_var_pop(int4, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_var_pop(int4, text, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_var_pop(int8, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_var_pop(int8, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_var_pop(int8, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_var_pop(int8, text, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_var_pop(numeric, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_var_pop(numeric, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_var_pop(numeric, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_var_pop(numeric, text, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_var_pop(float4, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_var_pop(float4, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_var_pop(float4, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_var_pop(float4, text, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_var_pop(float8, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_var_pop(float8, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_var_pop(float8, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_var_pop(float8, text, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_variance(int2, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_variance(int2, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_variance(int2, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_variance(int2, text, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_variance(int4, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_variance(int4, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_variance(int4, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_variance(int4, text, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_variance(int8, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_variance(int8, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_variance(int8, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_variance(int8, text, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_variance(numeric, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_variance(numeric, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_variance(numeric, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_variance(numeric, text, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_variance(float4, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_variance(float4, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_variance(float4, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_variance(float4, text, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_variance(float8, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_variance(float8, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_variance(float8, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_variance(float8, text, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_stddev_samp(int2, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_stddev_samp(int2, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_stddev_samp(int2, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_stddev_samp(int2, text, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_stddev_samp(int4, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_stddev_samp(int4, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_stddev_samp(int4, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_stddev_samp(int4, text, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_stddev_samp(int8, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_stddev_samp(int8, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_stddev_samp(int8, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_stddev_samp(int8, text, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_stddev_samp(numeric, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_stddev_samp(numeric, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_stddev_samp(numeric, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_stddev_samp(numeric, text, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_stddev_samp(float4, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_stddev_samp(float4, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_stddev_samp(float4, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_stddev_samp(float4, text, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_stddev_samp(float8, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_stddev_samp(float8, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_stddev_samp(float8, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_stddev_samp(float8, text, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_stddev_pop(int2, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_stddev_pop(int2, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_stddev_pop(int2, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_stddev_pop(int2, text, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_stddev_pop(int4, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_stddev_pop(int4, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_stddev_pop(int4, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_stddev_pop(int4, text, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_stddev_pop(int8, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_stddev_pop(int8, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_stddev_pop(int8, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_stddev_pop(int8, text, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_stddev_pop(numeric, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_stddev_pop(numeric, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_stddev_pop(numeric, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_stddev_pop(numeric, text, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_stddev_pop(float4, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_stddev_pop(float4, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_stddev_pop(float4, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_stddev_pop(float4, text, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_stddev_pop(float8, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_stddev_pop(float8, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_stddev_pop(float8, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_stddev_pop(float8, text, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_stddev(int2, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_stddev(int2, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_stddev(int2, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_stddev(int2, text, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_stddev(int4, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_stddev(int4, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_stddev(int4, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_stddev(int4, text, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_stddev(int8, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_stddev(int8, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_stddev(int8, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_stddev(int8, text, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_stddev(numeric, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_stddev(numeric, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_stddev(numeric, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_stddev(numeric, text, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_stddev(float4, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_stddev(float4, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_stddev(float4, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_stddev(float4, text, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_stddev(float8, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_stddev(float8, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_stddev(float8, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_stddev(float8, text, text) TO smpc_benchmark;

/*
 * Two-variable aggregates (moments.c), on float8 like PostgreSQL's: one
 * computation over (count, sum x, sum y, sum x^2, sum y^2, sum xy).
 */
CREATE FUNCTION smpc.rtrans(internal, float8, float8, text) RETURNS internal
	AS 'MODULE_PATHNAME', 'smpc_rtrans' LANGUAGE C PARALLEL SAFE;
COMMENT ON FUNCTION smpc.rtrans(internal, float8, float8, text) IS 'smpc two-variable aggregate transition';
CREATE FUNCTION smpc.rtrans(internal, float8, float8, text, text) RETURNS internal
	AS 'MODULE_PATHNAME', 'smpc_rtrans' LANGUAGE C PARALLEL SAFE;
COMMENT ON FUNCTION smpc.rtrans(internal, float8, float8, text, text) IS 'smpc two-variable aggregate transition';
CREATE FUNCTION smpc.corr_final(internal) RETURNS float8
	AS 'MODULE_PATHNAME', 'smpc_corr_final' LANGUAGE C PARALLEL SAFE;
COMMENT ON FUNCTION smpc.corr_final(internal) IS 'run the joint computation and return the joint correlation coefficient';
CREATE AGGREGATE public.smpc_corr(float8, float8, text) (
	SFUNC = smpc.rtrans, STYPE = internal, FINALFUNC = smpc.corr_final,
	COMBINEFUNC = smpc.agg_combine, SERIALFUNC = smpc.agg_serialize,
	DESERIALFUNC = smpc.agg_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE public.smpc_corr(float8, float8, text) IS 'joint correlation coefficient over all members of a peer group';
CREATE AGGREGATE public.smpc_corr(float8, float8, text, text) (
	SFUNC = smpc.rtrans, STYPE = internal, FINALFUNC = smpc.corr_final,
	COMBINEFUNC = smpc.agg_combine, SERIALFUNC = smpc.agg_serialize,
	DESERIALFUNC = smpc.agg_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE public.smpc_corr(float8, float8, text, text) IS 'joint correlation coefficient over all members of a peer group, with a label';
CREATE FUNCTION smpc.covar_pop_final(internal) RETURNS float8
	AS 'MODULE_PATHNAME', 'smpc_covar_pop_final' LANGUAGE C PARALLEL SAFE;
COMMENT ON FUNCTION smpc.covar_pop_final(internal) IS 'run the joint computation and return the joint population covariance';
CREATE AGGREGATE public.smpc_covar_pop(float8, float8, text) (
	SFUNC = smpc.rtrans, STYPE = internal, FINALFUNC = smpc.covar_pop_final,
	COMBINEFUNC = smpc.agg_combine, SERIALFUNC = smpc.agg_serialize,
	DESERIALFUNC = smpc.agg_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE public.smpc_covar_pop(float8, float8, text) IS 'joint population covariance over all members of a peer group';
CREATE AGGREGATE public.smpc_covar_pop(float8, float8, text, text) (
	SFUNC = smpc.rtrans, STYPE = internal, FINALFUNC = smpc.covar_pop_final,
	COMBINEFUNC = smpc.agg_combine, SERIALFUNC = smpc.agg_serialize,
	DESERIALFUNC = smpc.agg_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE public.smpc_covar_pop(float8, float8, text, text) IS 'joint population covariance over all members of a peer group, with a label';
CREATE FUNCTION smpc.covar_samp_final(internal) RETURNS float8
	AS 'MODULE_PATHNAME', 'smpc_covar_samp_final' LANGUAGE C PARALLEL SAFE;
COMMENT ON FUNCTION smpc.covar_samp_final(internal) IS 'run the joint computation and return the joint sample covariance';
CREATE AGGREGATE public.smpc_covar_samp(float8, float8, text) (
	SFUNC = smpc.rtrans, STYPE = internal, FINALFUNC = smpc.covar_samp_final,
	COMBINEFUNC = smpc.agg_combine, SERIALFUNC = smpc.agg_serialize,
	DESERIALFUNC = smpc.agg_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE public.smpc_covar_samp(float8, float8, text) IS 'joint sample covariance over all members of a peer group';
CREATE AGGREGATE public.smpc_covar_samp(float8, float8, text, text) (
	SFUNC = smpc.rtrans, STYPE = internal, FINALFUNC = smpc.covar_samp_final,
	COMBINEFUNC = smpc.agg_combine, SERIALFUNC = smpc.agg_serialize,
	DESERIALFUNC = smpc.agg_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE public.smpc_covar_samp(float8, float8, text, text) IS 'joint sample covariance over all members of a peer group, with a label';
CREATE FUNCTION smpc.regr_slope_final(internal) RETURNS float8
	AS 'MODULE_PATHNAME', 'smpc_regr_slope_final' LANGUAGE C PARALLEL SAFE;
COMMENT ON FUNCTION smpc.regr_slope_final(internal) IS 'run the joint computation and return the joint least-squares slope';
CREATE AGGREGATE public.smpc_regr_slope(float8, float8, text) (
	SFUNC = smpc.rtrans, STYPE = internal, FINALFUNC = smpc.regr_slope_final,
	COMBINEFUNC = smpc.agg_combine, SERIALFUNC = smpc.agg_serialize,
	DESERIALFUNC = smpc.agg_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE public.smpc_regr_slope(float8, float8, text) IS 'joint least-squares slope over all members of a peer group';
CREATE AGGREGATE public.smpc_regr_slope(float8, float8, text, text) (
	SFUNC = smpc.rtrans, STYPE = internal, FINALFUNC = smpc.regr_slope_final,
	COMBINEFUNC = smpc.agg_combine, SERIALFUNC = smpc.agg_serialize,
	DESERIALFUNC = smpc.agg_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE public.smpc_regr_slope(float8, float8, text, text) IS 'joint least-squares slope over all members of a peer group, with a label';
CREATE FUNCTION smpc.regr_intercept_final(internal) RETURNS float8
	AS 'MODULE_PATHNAME', 'smpc_regr_intercept_final' LANGUAGE C PARALLEL SAFE;
COMMENT ON FUNCTION smpc.regr_intercept_final(internal) IS 'run the joint computation and return the joint least-squares intercept';
CREATE AGGREGATE public.smpc_regr_intercept(float8, float8, text) (
	SFUNC = smpc.rtrans, STYPE = internal, FINALFUNC = smpc.regr_intercept_final,
	COMBINEFUNC = smpc.agg_combine, SERIALFUNC = smpc.agg_serialize,
	DESERIALFUNC = smpc.agg_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE public.smpc_regr_intercept(float8, float8, text) IS 'joint least-squares intercept over all members of a peer group';
CREATE AGGREGATE public.smpc_regr_intercept(float8, float8, text, text) (
	SFUNC = smpc.rtrans, STYPE = internal, FINALFUNC = smpc.regr_intercept_final,
	COMBINEFUNC = smpc.agg_combine, SERIALFUNC = smpc.agg_serialize,
	DESERIALFUNC = smpc.agg_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE public.smpc_regr_intercept(float8, float8, text, text) IS 'joint least-squares intercept over all members of a peer group, with a label';
CREATE FUNCTION smpc.regr_r2_final(internal) RETURNS float8
	AS 'MODULE_PATHNAME', 'smpc_regr_r2_final' LANGUAGE C PARALLEL SAFE;
COMMENT ON FUNCTION smpc.regr_r2_final(internal) IS 'run the joint computation and return the joint square of the correlation coefficient';
CREATE AGGREGATE public.smpc_regr_r2(float8, float8, text) (
	SFUNC = smpc.rtrans, STYPE = internal, FINALFUNC = smpc.regr_r2_final,
	COMBINEFUNC = smpc.agg_combine, SERIALFUNC = smpc.agg_serialize,
	DESERIALFUNC = smpc.agg_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE public.smpc_regr_r2(float8, float8, text) IS 'joint square of the correlation coefficient over all members of a peer group';
CREATE AGGREGATE public.smpc_regr_r2(float8, float8, text, text) (
	SFUNC = smpc.rtrans, STYPE = internal, FINALFUNC = smpc.regr_r2_final,
	COMBINEFUNC = smpc.agg_combine, SERIALFUNC = smpc.agg_serialize,
	DESERIALFUNC = smpc.agg_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE public.smpc_regr_r2(float8, float8, text, text) IS 'joint square of the correlation coefficient over all members of a peer group, with a label';
CREATE FUNCTION smpc.regr_count_final(internal) RETURNS int8
	AS 'MODULE_PATHNAME', 'smpc_regr_count_final' LANGUAGE C PARALLEL SAFE;
COMMENT ON FUNCTION smpc.regr_count_final(internal) IS 'run the joint computation and return the joint count of rows where both inputs are non-NULL';
CREATE AGGREGATE public.smpc_regr_count(float8, float8, text) (
	SFUNC = smpc.rtrans, STYPE = internal, FINALFUNC = smpc.regr_count_final,
	COMBINEFUNC = smpc.agg_combine, SERIALFUNC = smpc.agg_serialize,
	DESERIALFUNC = smpc.agg_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE public.smpc_regr_count(float8, float8, text) IS 'joint count of rows where both inputs are non-NULL over all members of a peer group';
CREATE AGGREGATE public.smpc_regr_count(float8, float8, text, text) (
	SFUNC = smpc.rtrans, STYPE = internal, FINALFUNC = smpc.regr_count_final,
	COMBINEFUNC = smpc.agg_combine, SERIALFUNC = smpc.agg_serialize,
	DESERIALFUNC = smpc.agg_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE public.smpc_regr_count(float8, float8, text, text) IS 'joint count of rows where both inputs are non-NULL over all members of a peer group, with a label';
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA smpc FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION public.smpc_corr(float8, float8, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_corr(float8, float8, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_corr(float8, float8, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_corr(float8, float8, text, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_covar_pop(float8, float8, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_covar_pop(float8, float8, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_covar_pop(float8, float8, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_covar_pop(float8, float8, text, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_covar_samp(float8, float8, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_covar_samp(float8, float8, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_covar_samp(float8, float8, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_covar_samp(float8, float8, text, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_regr_slope(float8, float8, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_regr_slope(float8, float8, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_regr_slope(float8, float8, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_regr_slope(float8, float8, text, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_regr_intercept(float8, float8, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_regr_intercept(float8, float8, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_regr_intercept(float8, float8, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_regr_intercept(float8, float8, text, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_regr_r2(float8, float8, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_regr_r2(float8, float8, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_regr_r2(float8, float8, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_regr_r2(float8, float8, text, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_regr_count(float8, float8, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_regr_count(float8, float8, text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_regr_count(float8, float8, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_regr_count(float8, float8, text, text) TO smpc_benchmark;

/*
 * Histograms and frequency tables (distributions.c): a joint count per
 * bucket or category, bounds or categories agreed by all members.
 */
CREATE FUNCTION smpc.htrans(internal, float8, text, float8[]) RETURNS internal
	AS 'MODULE_PATHNAME', 'smpc_htrans' LANGUAGE C PARALLEL SAFE;
COMMENT ON FUNCTION smpc.htrans(internal, float8, text, float8[]) IS 'smpc_histogram transition';
CREATE FUNCTION smpc.htrans(internal, float8, text, float8[], text) RETURNS internal
	AS 'MODULE_PATHNAME', 'smpc_htrans' LANGUAGE C PARALLEL SAFE;
COMMENT ON FUNCTION smpc.htrans(internal, float8, text, float8[], text) IS 'smpc_histogram transition';
CREATE FUNCTION smpc.histogram_final(internal) RETURNS bigint[]
	AS 'MODULE_PATHNAME', 'smpc_histogram_final' LANGUAGE C PARALLEL SAFE;
COMMENT ON FUNCTION smpc.histogram_final(internal) IS 'run the joint computation and return the histogram counts';
CREATE AGGREGATE public.smpc_histogram(float8, text, float8[]) (
	SFUNC = smpc.htrans, STYPE = internal, FINALFUNC = smpc.histogram_final,
	COMBINEFUNC = smpc.agg_combine, SERIALFUNC = smpc.agg_serialize,
	DESERIALFUNC = smpc.agg_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE public.smpc_histogram(float8, text, float8[]) IS 'joint count per bucket, buckets as width_bucket(value, bounds), over all members of a peer group';
CREATE AGGREGATE public.smpc_histogram(float8, text, float8[], text) (
	SFUNC = smpc.htrans, STYPE = internal, FINALFUNC = smpc.histogram_final,
	COMBINEFUNC = smpc.agg_combine, SERIALFUNC = smpc.agg_serialize,
	DESERIALFUNC = smpc.agg_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE public.smpc_histogram(float8, text, float8[], text) IS 'joint count per bucket, buckets as width_bucket(value, bounds), over all members of a peer group, with a label';
CREATE FUNCTION smpc.ftrans(internal, text, text, text[]) RETURNS internal
	AS 'MODULE_PATHNAME', 'smpc_ftrans' LANGUAGE C PARALLEL SAFE;
COMMENT ON FUNCTION smpc.ftrans(internal, text, text, text[]) IS 'smpc_frequencies transition';
CREATE FUNCTION smpc.ftrans(internal, text, text, text[], text) RETURNS internal
	AS 'MODULE_PATHNAME', 'smpc_ftrans' LANGUAGE C PARALLEL SAFE;
COMMENT ON FUNCTION smpc.ftrans(internal, text, text, text[], text) IS 'smpc_frequencies transition';
CREATE FUNCTION smpc.frequencies_final(internal) RETURNS bigint[]
	AS 'MODULE_PATHNAME', 'smpc_frequencies_final' LANGUAGE C PARALLEL SAFE;
COMMENT ON FUNCTION smpc.frequencies_final(internal) IS 'run the joint computation and return the frequencies counts';
CREATE AGGREGATE public.smpc_frequencies(text, text, text[]) (
	SFUNC = smpc.ftrans, STYPE = internal, FINALFUNC = smpc.frequencies_final,
	COMBINEFUNC = smpc.agg_combine, SERIALFUNC = smpc.agg_serialize,
	DESERIALFUNC = smpc.agg_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE public.smpc_frequencies(text, text, text[]) IS 'joint count per listed category, then of all other values, over all members of a peer group';
CREATE AGGREGATE public.smpc_frequencies(text, text, text[], text) (
	SFUNC = smpc.ftrans, STYPE = internal, FINALFUNC = smpc.frequencies_final,
	COMBINEFUNC = smpc.agg_combine, SERIALFUNC = smpc.agg_serialize,
	DESERIALFUNC = smpc.agg_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE public.smpc_frequencies(text, text, text[], text) IS 'joint count per listed category, then of all other values, over all members of a peer group, with a label';
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA smpc FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION public.smpc_histogram(float8, text, float8[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_histogram(float8, text, float8[]) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_histogram(float8, text, float8[], text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_histogram(float8, text, float8[], text) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_frequencies(text, text, text[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_frequencies(text, text, text[]) TO smpc_benchmark;
REVOKE EXECUTE ON FUNCTION public.smpc_frequencies(text, text, text[], text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.smpc_frequencies(text, text, text[], text) TO smpc_benchmark;

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
