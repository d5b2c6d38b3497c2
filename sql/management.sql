--
-- management: node identity, peer groups, peers, views, privileges and
-- smpc.deliver().  Public keys are random: they are kept in psql
-- variables and never shown.
--

-- errors raised in PL/pgSQL would show the line of the RAISE: leave it out
\set SHOW_CONTEXT never

-- keys for the (never reachable) peers: 32 bytes in base64, reproducible
SELECT encode(sha256('node_b'), 'base64') AS key_b,
       encode(sha256('node_c'), 'base64') AS key_c,
       encode(sha256('node_d'), 'base64') AS key_d \gset
SELECT length(:'key_b') AS key_b_length, length(decode(:'key_b', 'base64')) AS key_b_bytes;
\set unreachable 'host=/nonexistent port=1 dbname=x'

--
-- Before init_node
--
SELECT * FROM smpc.node_info();
SELECT smpc.create_peer_group('g_early', min_parties => 2);
SELECT smpc.add_peer('g_early', 'node_b', :'unreachable', :'key_b');
-- an aggregate fails: the worker has no node key yet
SELECT smpc_sum(x, 'g_early') FROM (VALUES (1), (2)) t(x);
SELECT smpc_count_rows('no_such_group');
-- deliveries are refused too (a well-formed header addressed to node_b)
SELECT smpc.deliver('\x53020100'::bytea || decode(repeat('00', 32), 'hex')
                    || decode(:'key_b', 'base64') || '\x0000000000000001'::bytea
                    || decode(repeat('00', 88), 'hex'));

--
-- init_node
--
SELECT smpc.init_node('node_a') AS key1 \gset
SELECT length(:'key1') AS key_length, :'key1' ~ '^[A-Za-z0-9+/]{43}=$' AS is_base64,
       length(decode(:'key1', 'base64')) AS key_bytes;
SELECT name, public_key = :'key1' AS is_returned_key FROM smpc.node_info();
-- a second time is an error, whatever the name
SELECT smpc.init_node('node_a');
SELECT smpc.init_node('another_name');
SELECT smpc.init_node('node_a', new_key => false);
-- invalid names are refused before anything else
SELECT smpc.init_node('bad name');
SELECT smpc.init_node('');
SELECT smpc.init_node('node/a', new_key => true);
SELECT smpc.init_node(repeat('n', 64), new_key => true);
-- strict: NULL in, NULL out, nothing changed
SELECT smpc.init_node(NULL) IS NULL AS is_null;
SELECT smpc.init_node('node_a', NULL) IS NULL AS is_null;
SELECT name, public_key = :'key1' AS unchanged FROM smpc.node_info();
-- new_key => true replaces the key pair (and may rename the node)
SELECT smpc.init_node('node_x', new_key => true) AS key2 \gset
SELECT length(:'key2') AS key_length, :'key2' <> :'key1' AS new_key_differs;
SELECT name, public_key = :'key2' AS is_new_key FROM smpc.node_info();
SELECT smpc.init_node('node_a', new_key => true) AS key3 \gset
SELECT :'key3' <> :'key2' AS differs_from_key2, :'key3' <> :'key1' AS differs_from_key1;
SELECT name, public_key = :'key3' AS is_new_key FROM smpc.node_info();
SELECT count(*) FROM smpc.node;
-- init_node works only in smpc.database
CREATE DATABASE regress_smpc_other;
\c regress_smpc_other
CREATE EXTENSION smpc;
SELECT smpc.init_node('node_a');
\c contrib_regression
DROP DATABASE regress_smpc_other;

--
-- Peer groups
--
SELECT smpc.create_peer_group('g1');
SELECT smpc.create_peer_group('g2', min_parties => 2);
SELECT smpc.create_peer_group('g.3-x_Y', 5);
SELECT smpc.create_peer_group(repeat('g', 63));
-- errors
SELECT smpc.create_peer_group('g1');
SELECT smpc.create_peer_group('g1', min_parties => 4);
SELECT smpc.create_peer_group('bad name');
SELECT smpc.create_peer_group('');
SELECT smpc.create_peer_group(NULL);
SELECT smpc.create_peer_group(repeat('g', 64));
SELECT smpc.create_peer_group('g4', min_parties => 1);
SELECT smpc.create_peer_group('g4', min_parties => -3);
SELECT smpc.create_peer_group('g4', NULL);
SELECT smpc.create_peer_group('g4', max_colluders => 0);
SELECT smpc.create_peer_group('g4', min_cell_count => 0);
SELECT smpc.create_peer_group('g4', min_cell_count => 11);
SELECT smpc.create_peer_group('g4', min_cell_count => NULL);
SELECT smpc.create_peer_group('g5', min_parties => 3, max_colluders => 1, min_cell_count => 3);
SELECT name, min_parties, members, max_colluders, min_cell_count
  FROM smpc.peer_groups ORDER BY name COLLATE "C";
SELECT smpc.drop_peer_group('g5');
SELECT smpc.drop_peer_group(repeat('g', 63));

--
-- Peers
--
SELECT smpc.add_peer('g1', 'node_b', :'unreachable', :'key_b');
SELECT smpc.add_peer('g1', 'node_c', 'host=/nonexistent port=1 dbname=x password=secret', :'key_c');
SELECT smpc.add_peer('g1', 'node_d', $$host=/nonexistent password='se cret' port=1 dbname=x$$, :'key_d');
-- the same key may be in several groups
SELECT smpc.add_peer('g2', 'node_b', 'postgresql://u:x%20y@%2Fnonexistent:1/x', :'key_b');
-- unknown group
SELECT smpc.add_peer('no_such_group', 'node_e', :'unreachable', :'key_b');
SELECT smpc.add_peer(NULL, 'node_e', :'unreachable', :'key_b');
-- duplicate peer name in the group
SELECT smpc.add_peer('g1', 'node_b', :'unreachable', encode(sha256('node_e'), 'base64'));
-- malformed keys: wrong length, not base64, 33 bytes, empty, NULL
SELECT smpc.add_peer('g1', 'node_e', :'unreachable', 'c2hvcnQ=');
SELECT smpc.add_peer('g1', 'node_e', :'unreachable', repeat('!', 43) || '=');
SELECT smpc.add_peer('g1', 'node_e', :'unreachable', repeat('A', 44));
SELECT smpc.add_peer('g1', 'node_e', :'unreachable', :'key_b' || ' ');
SELECT smpc.add_peer('g1', 'node_e', :'unreachable', '');
SELECT smpc.add_peer('g1', 'node_e', :'unreachable', NULL);
-- a non-canonical spelling of a valid key (unused low bits set) is refused
SELECT substr(:'key_b', 1, 42)
       || substr('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/',
                 ((strpos('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/',
                          substr(:'key_b', 43, 1)) - 1) # 1) + 1, 1)
       || '=' AS key_b_noncanonical \gset
SELECT decode(:'key_b_noncanonical', 'base64') = decode(:'key_b', 'base64') AS same_bytes,
       :'key_b_noncanonical' <> :'key_b' AS different_text;
SELECT smpc.add_peer('g1', 'node_e', :'unreachable', :'key_b_noncanonical');
-- a low-order point (all zero bytes) can agree no secret and is refused
SELECT smpc.add_peer('g1', 'node_e', :'unreachable', encode(decode(repeat('00', 32), 'hex'), 'base64'));
-- the node's own key
SELECT smpc.add_peer('g1', 'node_e', :'unreachable', :'key3');
-- the same key twice in a group
SELECT smpc.add_peer('g1', 'node_e', :'unreachable', :'key_c');
-- invalid peer names
SELECT smpc.add_peer('g1', 'bad name', :'unreachable', encode(sha256('node_e'), 'base64'));
SELECT smpc.add_peer('g1', '', :'unreachable', encode(sha256('node_e'), 'base64'));
SELECT smpc.add_peer('g1', NULL, :'unreachable', encode(sha256('node_e'), 'base64'));
SELECT smpc.add_peer('g1', repeat('p', 64), :'unreachable', encode(sha256('node_e'), 'base64'));
-- connection strings: empty, NULL, too long
SELECT smpc.add_peer('g1', 'node_e', '', encode(sha256('node_e'), 'base64'));
SELECT smpc.add_peer('g1', 'node_e', NULL, encode(sha256('node_e'), 'base64'));
SELECT smpc.add_peer('g1', 'node_e', repeat('x', 1025), encode(sha256('node_e'), 'base64'));
-- nothing was added by the failed calls
SELECT group_name, name FROM smpc.peer ORDER BY group_name COLLATE "C", name COLLATE "C";

-- smpc.peers masks passwords
SELECT group_name, name, conninfo,
       public_key = encode(sha256(convert_to(name, 'UTF8')), 'base64') AS key_ok
  FROM smpc.peers ORDER BY group_name COLLATE "C", name COLLATE "C";
-- the table itself keeps them
SELECT name, conninfo FROM smpc.peer WHERE group_name = 'g1' ORDER BY name COLLATE "C";
SELECT smpc.mask_conninfo(c) FROM (VALUES
  ('host=h password=secret dbname=d'),
  ('password = secret'),
  ($$password='se cret' user=u$$),
  ($$password='it\'s \\ secret' user=u$$),
  ('host=h password=x password=y'),
  ('host=h dbname=password'),
  ('postgresql://user:secret@host/db'),
  ('postgresql://user:secret@host:5433,other:5434/db?sslmode=require'),
  ('postgres://host/db?user=u&password=qsecret&sslpassword=keysecret'),
  -- strings that do not parse are not shown at all
  ('postgresql://user@host/db?password'),
  ('host=h password'),
  ('password=secret nosuchkeyword=1'),
  ('postgresql://user:secret@[::1/db')) v(c);

-- smpc.peer_groups counts this node and its peers
SELECT name, min_parties, members FROM smpc.peer_groups ORDER BY name COLLATE "C";

-- smpc.peer_status lists every configured peer; none can be reached
SELECT group_name, peer_name, reachable, key_verified
  FROM smpc.peer_status ORDER BY group_name COLLATE "C", peer_name COLLATE "C";

--
-- remove_peer and drop_peer_group
--
SELECT smpc.remove_peer('g1', 'node_d');
SELECT smpc.remove_peer('g1', 'node_d');
SELECT smpc.remove_peer('no_such_group', 'node_b');
SELECT smpc.remove_peer('g1', NULL);
SELECT smpc.drop_peer_group('g2');
SELECT smpc.drop_peer_group('g2');
SELECT smpc.drop_peer_group(NULL);
SELECT smpc.drop_peer_group('g_early');
-- dropping a group drops its peers
SELECT group_name, name FROM smpc.peer ORDER BY group_name COLLATE "C", name COLLATE "C";
SELECT name, min_parties, members FROM smpc.peer_groups ORDER BY name COLLATE "C";
SELECT group_name, peer_name, reachable, key_verified
  FROM smpc.peer_status ORDER BY group_name COLLATE "C", peer_name COLLATE "C";
-- the removed peer can be added again
SELECT smpc.add_peer('g1', 'node_d', :'unreachable', :'key_d');
SELECT name, min_parties, members FROM smpc.peer_groups ORDER BY name COLLATE "C";

-- the configuration trigger function is not for direct calls
SELECT smpc.config_changed();

--
-- smpc.deliver(): only cheap checks happen in the calling backend
--
-- a message: magic 'S', version 2, type 1 (PING), sender, recipient,
-- sender epoch 1, then zeros for the recipient epoch (a PING may not know
-- it), sequence number, computation id, nonce and tag
CREATE FUNCTION pg_temp.msg(recipient text, type int DEFAULT 1, total int DEFAULT 164)
RETURNS bytea LANGUAGE sql AS $$
  SELECT '\x5302'::bytea || set_byte('\x00'::bytea, 0, type) || '\x00'::bytea
         || decode(repeat('00', 32), 'hex') || decode(recipient, 'base64')
         || '\x0000000000000001'::bytea || decode(repeat('00', total - 76), 'hex')
$$;
SELECT length(pg_temp.msg(:'key3')) AS message_length;
-- Wait until the worker has loaded the current node key: until then a
-- message for it is refused as not initialised or as addressed elsewhere.
CREATE FUNCTION pg_temp.deliver_when_ready(m bytea) RETURNS text
LANGUAGE plpgsql AS $$
BEGIN
	FOR i IN 1 .. 600 LOOP
		BEGIN
			PERFORM smpc.deliver(m);
			RETURN 'delivered';
		EXCEPTION WHEN object_not_in_prerequisite_state
				OR invalid_authorization_specification THEN
			PERFORM pg_sleep(0.1);
		END;
	END LOOP;
	RETURN 'still refused';
END
$$;
SELECT pg_temp.deliver_when_ready(pg_temp.msg(:'key3'));
-- accepted: addressed to this node (the worker will drop it: unknown sender)
SELECT smpc.deliver(pg_temp.msg(:'key3'));
SELECT smpc.deliver(pg_temp.msg(:'key3', total => 540672));
-- anything but a PING must be for the worker's current epoch, never 0
SELECT smpc.deliver(pg_temp.msg(:'key3', type => 6, total => 540672));
SELECT smpc.deliver(pg_temp.msg(:'key3', type => 4));
-- addressed to a previous key of this node, or to another node
SELECT smpc.deliver(pg_temp.msg(:'key1'));
SELECT smpc.deliver(pg_temp.msg(:'key_b'));
-- malformed: truncated, too large, bad magic or version, unknown type
SELECT smpc.deliver('\x00');
SELECT smpc.deliver(''::bytea);
SELECT smpc.deliver(substr(pg_temp.msg(:'key3'), 1, 163));
SELECT smpc.deliver(pg_temp.msg(:'key3', total => 540673));
SELECT smpc.deliver(pg_temp.msg(:'key3', total => 1000000));
SELECT smpc.deliver(overlay(pg_temp.msg(:'key3') PLACING '\x54' FROM 1));
SELECT smpc.deliver(overlay(pg_temp.msg(:'key3') PLACING '\x01' FROM 2));
SELECT smpc.deliver(overlay(pg_temp.msg(:'key3') PLACING '\x01' FROM 4));
SELECT smpc.deliver(pg_temp.msg(:'key3', type => 0));
SELECT smpc.deliver(pg_temp.msg(:'key3', type => 10));
-- a sender epoch of 0
SELECT smpc.deliver(overlay(pg_temp.msg(:'key3') PLACING '\x00' FROM 76));
-- strict
SELECT smpc.deliver(NULL) IS NULL AS is_null;

--
-- Privileges: three roles, nothing for PUBLIC
--
SELECT rolname, rolcanlogin, rolsuper FROM pg_roles
  WHERE rolname IN ('smpc_admin', 'smpc_benchmark', 'smpc_peer') ORDER BY rolname;
CREATE ROLE regress_smpc_admin IN ROLE smpc_admin;
CREATE ROLE regress_smpc_bench IN ROLE smpc_benchmark;
CREATE ROLE regress_smpc_peer IN ROLE smpc_peer;
CREATE ROLE regress_smpc_user;
-- every function of the schema, and who may call it (the aggregates'
-- support functions are checked as the aggregates' owner, not the caller)
SELECT p.oid::regprocedure AS function,
       has_function_privilege('regress_smpc_admin', p.oid, 'EXECUTE') AS admin,
       has_function_privilege('regress_smpc_bench', p.oid, 'EXECUTE') AS bench,
       has_function_privilege('regress_smpc_peer', p.oid, 'EXECUTE') AS peer,
       has_function_privilege('regress_smpc_user', p.oid, 'EXECUTE') AS plain,
       p.prosecdef AS definer,
       coalesce(array_to_string(p.proconfig, ','), '') AS config
  FROM pg_proc p
  WHERE p.pronamespace = 'smpc'::regnamespace
    AND p.prorettype <> 'internal'::regtype
  ORDER BY p.oid::regprocedure::text COLLATE "C";
-- every function written in SQL or PL/pgSQL pins its search_path
SELECT p.oid::regprocedure AS unpinned
  FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
  WHERE p.pronamespace = 'smpc'::regnamespace AND l.lanname IN ('sql', 'plpgsql')
    AND NOT coalesce(p.proconfig @> '{"search_path=pg_catalog, pg_temp"}', false);
-- the aggregates: smpc_benchmark only
SELECT count(*) AS aggregates,
       bool_and(has_function_privilege('regress_smpc_bench', p.oid, 'EXECUTE')) AS bench,
       bool_or(has_function_privilege('regress_smpc_admin', p.oid, 'EXECUTE')) AS admin,
       bool_or(has_function_privilege('regress_smpc_peer', p.oid, 'EXECUTE')) AS peer,
       bool_or(has_function_privilege('regress_smpc_user', p.oid, 'EXECUTE')) AS plain
  FROM pg_proc p WHERE p.proname LIKE 'smpc\_%' AND p.prokind = 'a';
-- every table and view of the schema
SELECT c.oid::regclass AS relation,
       has_table_privilege('regress_smpc_admin', c.oid, 'SELECT') AS admin_read,
       has_table_privilege('regress_smpc_admin', c.oid, 'INSERT,UPDATE,DELETE,TRUNCATE') AS admin_write,
       has_table_privilege('regress_smpc_bench', c.oid, 'SELECT') AS bench_read,
       has_table_privilege('regress_smpc_peer', c.oid, 'SELECT,INSERT,UPDATE,DELETE,TRUNCATE') AS peer,
       has_table_privilege('regress_smpc_user', c.oid, 'SELECT,INSERT,UPDATE,DELETE,TRUNCATE') AS plain
  FROM pg_class c
  WHERE c.relnamespace = 'smpc'::regnamespace AND c.relkind IN ('r', 'v', 'S')
  ORDER BY c.oid::regclass::text COLLATE "C";

-- an administrator, not a superuser, sets the node up through the functions
SET ROLE regress_smpc_admin;
SELECT smpc.create_peer_group('g_admin', 2);
-- (an administrator who is not a superuser must give a password)
SELECT smpc.add_peer('g_admin', 'node_e', :'unreachable' || ' password=x', encode(sha256('node_e'), 'base64'));
SELECT smpc.set_peer_key('g_admin', 'node_e', encode(sha256('node_e2'), 'base64'));
SELECT name, public_key = encode(sha256('node_e2'), 'base64') AS new_key FROM smpc.peers
  WHERE group_name = 'g_admin';
SELECT group_name, peer_name, reachable FROM smpc.peer_status WHERE group_name = 'g_admin';
SELECT name, members FROM smpc.peer_groups WHERE name = 'g_admin';
SELECT count(*) >= 0 AS can_read FROM smpc.history;
SELECT name FROM smpc.node_info();
SELECT smpc.remove_peer('g_admin', 'node_e');
SELECT smpc.drop_peer_group('g_admin');
-- but not the tables behind them, nor the aggregates
INSERT INTO smpc.peer_group (name) VALUES ('g_evil');
UPDATE smpc.node SET name = 'evil';
SELECT * FROM smpc.peer;
SELECT * FROM smpc.history_log;
SELECT smpc_sum(x, 'g1') FROM (VALUES (0)) v(x);
-- nor can it change what the functions see
CREATE TEMP TABLE node (name text);
SELECT name FROM smpc.node_info();
DROP TABLE pg_temp.node;
-- it can replace the node's key pair; the notice's hint carries the new key
\set VERBOSITY terse
SELECT smpc.rotate_key() AS rotated_key \gset
\set VERBOSITY default
SELECT public_key = :'rotated_key' AS new_key_in_use, public_key <> :'key3' AS key_changed
  FROM smpc.node_info();
RESET ROLE;
-- the worker takes the new key when the rotation commits: wait for it
SELECT pg_temp.deliver_when_ready(pg_temp.msg(:'rotated_key'));

-- a benchmark user: aggregates and history, no management
SET ROLE regress_smpc_bench;
SELECT smpc.add_peer('g1', 'node_e', :'unreachable', encode(sha256('node_e'), 'base64'));
SELECT smpc.set_peer_key('g1', 'node_b', encode(sha256('node_e'), 'base64'));
SELECT smpc.remove_peer('g1', 'node_b');
SELECT smpc.create_peer_group('g_evil', 2);
SELECT smpc.drop_peer_group('g1');
SELECT smpc.init_node('evil', new_key => true);
SELECT smpc.rotate_key();
SELECT * FROM smpc.node_info();
SELECT * FROM smpc.peers;
SELECT * FROM smpc.peer_status;
SELECT count(*) >= 0 AS can_read FROM smpc.history;
SELECT smpc.deliver(pg_temp.msg(:'key3'));
RESET ROLE;

-- a role in no smpc role: nothing, not even the schema
SET ROLE regress_smpc_user;
SELECT smpc.add_peer('g1', 'node_e', :'unreachable', encode(sha256('node_e'), 'base64'));
SELECT * FROM smpc.node_info();
SELECT * FROM smpc.peer;
SELECT * FROM smpc.history;
SELECT smpc.deliver('\x00');
SELECT smpc_count_rows('g1', 'injected');
RESET ROLE;

-- a peer's login: deliver() and nothing else
SET ROLE regress_smpc_peer;
SELECT smpc.deliver('\x00');
SELECT smpc.deliver(pg_temp.msg(:'key1'));
SELECT smpc.deliver(pg_temp.msg(:'key3', total => 540673));
SELECT smpc.deliver(pg_temp.msg(:'key3'));
SELECT * FROM smpc.peer;
SELECT * FROM smpc.history;
SELECT * FROM smpc.peer_status;
SELECT smpc.add_peer('g1', 'node_e', :'unreachable', encode(sha256('node_e'), 'base64'));
SELECT smpc.node_info();
-- it cannot make this node contribute to a computation either
SELECT smpc_sum(x, 'g1') FROM (VALUES (0)) v(x);
SELECT smpc_count_rows('g1', 'injected');
RESET ROLE;
-- nor read any table or call any function in this database's own schemas
CREATE TABLE public.regress_salaries (salary int);
CREATE VIEW public.regress_salaries_v AS SELECT * FROM public.regress_salaries;
SELECT count(*) AS readable
  FROM pg_class c
  WHERE c.relnamespace IN ('smpc'::regnamespace, 'public'::regnamespace)
    AND c.relkind IN ('r', 'v', 'm', 'S', 'f', 'p')
    AND has_table_privilege('regress_smpc_peer', c.oid, 'SELECT,INSERT,UPDATE,DELETE,TRUNCATE');
SELECT p.oid::regprocedure AS callable
  FROM pg_proc p
  WHERE p.pronamespace IN ('smpc'::regnamespace, 'public'::regnamespace)
    AND has_function_privilege('regress_smpc_peer', p.oid, 'EXECUTE');
DROP VIEW public.regress_salaries_v;
DROP TABLE public.regress_salaries;
DROP ROLE regress_smpc_admin;
DROP ROLE regress_smpc_bench;
DROP ROLE regress_smpc_peer;
DROP ROLE regress_smpc_user;

--
-- Connection strings: what an administrator who is not a superuser may
-- use (the keyword list, one host, files in smpc.cert_directory, a
-- password), checked with libpq's parser; superusers may use more
--
SHOW smpc.cert_directory;
CREATE ROLE regress_smpc_ops IN ROLE smpc_admin;
SELECT smpc.create_peer_group('g_conn', 2);
SET ROLE regress_smpc_ops;
-- accepted: every allowed keyword, files inside smpc.cert_directory
SELECT smpc.add_peer('g_conn', 'p1', 'host=/nonexistent port=1 dbname=postgres user=peer_login password=s3cret connect_timeout=5 keepalives=1 keepalives_idle=20 keepalives_interval=5 keepalives_count=2 tcp_user_timeout=9000 requirepeer=postgres sslmode=verify-full sslrootcert=/etc/smpc-test-certs/ca.crt sslcert=/etc/smpc-test-certs/client.crt sslkey=/etc/smpc-test-certs/client.key sslpassword=keypass sslcrl=/etc/smpc-test-certs/ca.crl sslcrldir=/etc/smpc-test-certs/crl sslsni=1 ssl_min_protocol_version=TLSv1.2 ssl_max_protocol_version=TLSv1.3 channel_binding=prefer', encode(sha256('p1'), 'base64'));
-- a URI, with the password in the user part
SELECT smpc.add_peer('g_conn', 'p2', 'postgresql://peer_login:uri%20secret@%2Fnonexistent:2/postgres?sslmode=disable', encode(sha256('p2'), 'base64'));
-- refused: keywords only superusers may use
SELECT smpc.add_peer('g_conn', 'x', 'host=h dbname=d password=p passfile=/var/lib/postgresql/.pgpass', encode(sha256('x'), 'base64'));
SELECT smpc.add_peer('g_conn', 'x', 'service=peer password=p', encode(sha256('x'), 'base64'));
SELECT smpc.add_peer('g_conn', 'x', $$host=h password=p options='-c log_statement=none'$$, encode(sha256('x'), 'base64'));
SELECT smpc.add_peer('g_conn', 'x', 'host=h password=p replication=database', encode(sha256('x'), 'base64'));
SELECT smpc.add_peer('g_conn', 'x', 'host=peer.example hostaddr=127.0.0.1 password=p', encode(sha256('x'), 'base64'));
SELECT smpc.add_peer('g_conn', 'x', 'host=h password=p gssencmode=prefer', encode(sha256('x'), 'base64'));
SELECT smpc.add_peer('g_conn', 'x', 'host=h password=p krbsrvname=postgres', encode(sha256('x'), 'base64'));
SELECT smpc.add_peer('g_conn', 'x', 'host=h password=p application_name=x', encode(sha256('x'), 'base64'));
SELECT smpc.add_peer('g_conn', 'x', 'postgresql://u:p@h/d?passfile=/tmp/pgpass', encode(sha256('x'), 'base64'));
-- OpenSSL's engine syntax in sslkey, even inside the directory
SELECT smpc.add_peer('g_conn', 'x', 'host=h password=p sslkey=/etc/smpc-test-certs/libevil.so:key', encode(sha256('x'), 'base64'));
-- files outside smpc.cert_directory, relative, or with . and ..
SELECT smpc.add_peer('g_conn', 'x', 'host=h password=p sslrootcert=/var/lib/postgresql/15/main/server.crt', encode(sha256('x'), 'base64'));
SELECT smpc.add_peer('g_conn', 'x', 'host=h password=p sslcert=client.crt', encode(sha256('x'), 'base64'));
SELECT smpc.add_peer('g_conn', 'x', 'host=h password=p sslkey=/etc/smpc-test-certs/../shadow', encode(sha256('x'), 'base64'));
SELECT smpc.add_peer('g_conn', 'x', 'host=h password=p sslcrl=/etc/smpc-test-certs/./x/../../y', encode(sha256('x'), 'base64'));
SELECT smpc.add_peer('g_conn', 'x', 'host=h password=p sslcert=/etc/smpc-test-certs-evil/client.crt', encode(sha256('x'), 'base64'));
SELECT smpc.add_peer('g_conn', 'x', 'host=h password=p sslcrldir=/etc', encode(sha256('x'), 'base64'));
-- several hosts or ports
SELECT smpc.add_peer('g_conn', 'x', 'host=a,b password=p', encode(sha256('x'), 'base64'));
SELECT smpc.add_peer('g_conn', 'x', 'postgresql://u:p@a:1,b:2/d', encode(sha256('x'), 'base64'));
-- no password, or an empty one: the server's own identity would be used
SELECT smpc.add_peer('g_conn', 'x', 'host=h dbname=d user=u', encode(sha256('x'), 'base64'));
SELECT smpc.add_peer('g_conn', 'x', $$host=h password=''$$, encode(sha256('x'), 'base64'));
SELECT smpc.add_peer('g_conn', 'x', 'postgresql://u@h/d', encode(sha256('x'), 'base64'));
-- strings that do not parse
SELECT smpc.add_peer('g_conn', 'x', 'host=h password', encode(sha256('x'), 'base64'));
SELECT smpc.add_peer('g_conn', 'x', 'host=h nosuchkeyword=1 password=p', encode(sha256('x'), 'base64'));
-- the function behind add_peer cannot be called with a forged answer
SELECT smpc.add_peer_checked('g_conn', 'x', 'host=h passfile=/tmp/x', encode(sha256('x'), 'base64'), true);
SELECT smpc.check_conninfo('x', 'host=h passfile=/tmp/x', true);
RESET ROLE;
-- the check is on the role that calls add_peer: a superuser calling a
-- SECURITY DEFINER function of the administrator is held to its rules
CREATE FUNCTION public.regress_ops_add_peer(conninfo text) RETURNS void
  LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog
  AS $$ SELECT smpc.add_peer('g_conn', 'p6', conninfo, encode(sha256('p6'), 'base64')) $$;
ALTER FUNCTION public.regress_ops_add_peer(text) OWNER TO regress_smpc_ops;
SELECT public.regress_ops_add_peer('host=h password=p passfile=/tmp/pgpass');
DROP FUNCTION public.regress_ops_add_peer(text);
-- a superuser may use more, with a warning
SELECT smpc.add_peer('g_conn', 'p3', 'host=peer.example hostaddr=127.0.0.1 port=1 passfile=/tmp/pgpass sslkey=/tmp/engine.so:key dbname=d connect_timeout=1', encode(sha256('p3'), 'base64'));
-- and needs no password (no warning)
SELECT smpc.add_peer('g_conn', 'p4', 'host=/nonexistent port=4 dbname=d user=u', encode(sha256('p4'), 'base64'));
-- who gave each string; the view masks every password
SELECT name, unrestricted FROM smpc.peer WHERE group_name = 'g_conn' ORDER BY name COLLATE "C";
SELECT name, conninfo FROM smpc.peers WHERE group_name = 'g_conn' ORDER BY name COLLATE "C";
-- a row written without add_peer counts as restricted: the worker checks
-- it again before connecting and refuses it
INSERT INTO smpc.peer (group_name, name, conninfo, public_key)
  VALUES ('g_conn', 'p5', 'host=/nonexistent port=5 dbname=d passfile=/tmp/pgpass', encode(sha256('p5'), 'base64'));
-- connection errors of a restricted administrator's peers: coarse for
-- others than superusers (they name hosts, ports and what answered)
CREATE FUNCTION pg_temp.wait_for_errors(g text, n int) RETURNS boolean
LANGUAGE plpgsql AS $$
BEGIN
	FOR i IN 1 .. 300 LOOP
		IF (SELECT count(last_error) FROM smpc.peer_status
			WHERE group_name = g AND peer_name <> 'p3') >= n THEN
			RETURN true;
		END IF;
		PERFORM pg_sleep(0.1);
	END LOOP;
	RETURN false;
END
$$;
SELECT pg_temp.wait_for_errors('g_conn', 4);
SELECT peer_name, reachable,
       regexp_replace(last_error, 'failed: .*', 'failed: ...') AS last_error
  FROM smpc.peer_status WHERE group_name = 'g_conn' AND peer_name <> 'p3' ORDER BY peer_name COLLATE "C";
SET ROLE regress_smpc_ops;
SELECT peer_name, reachable, last_error
  FROM smpc.peer_status WHERE group_name = 'g_conn' AND peer_name <> 'p3' ORDER BY peer_name COLLATE "C";
RESET ROLE;
SELECT smpc.drop_peer_group('g_conn');

--
-- The peer login: smpc.create_peer_login() makes it limited
--
SELECT smpc.create_peer_login('regress_peer_login', 'peer password', connection_limit => 4);
SELECT rolname, rolcanlogin, rolconnlimit, rolsuper, rolcreaterole, rolcreatedb,
       rolreplication, rolbypassrls, rolpassword LIKE 'SCRAM-SHA-256$%' AS scram
  FROM pg_authid WHERE rolname = 'regress_peer_login';
SELECT pg_has_role('regress_peer_login', 'smpc_peer', 'MEMBER') AS in_smpc_peer,
       pg_has_role('regress_peer_login', 'smpc_admin', 'MEMBER') AS in_smpc_admin,
       pg_has_role('regress_peer_login', 'smpc_benchmark', 'MEMBER') AS in_smpc_benchmark;
SELECT unnest(setconfig) AS setting FROM pg_db_role_setting
  WHERE setrole = 'regress_peer_login'::regrole AND setdatabase = 0 ORDER BY 1;
-- the defaults: 16 connections, statement_timeout 5s; no password
SELECT smpc.create_peer_login('regress_peer_login2');
SELECT rolconnlimit, rolpassword IS NULL AS no_password FROM pg_authid WHERE rolname = 'regress_peer_login2';
-- bad arguments
SELECT smpc.create_peer_login('regress_peer_login');
SELECT smpc.create_peer_login('Bad Name');
SELECT smpc.create_peer_login(NULL);
SELECT smpc.create_peer_login('regress_x', connection_limit => 0);
SELECT smpc.create_peer_login('regress_x', statement_timeout => 'soon');
-- an administrator without CREATEROLE may not create it
SET ROLE regress_smpc_ops;
SELECT smpc.create_peer_login('regress_x');
RESET ROLE;
-- with CREATEROLE it may (log_statement, for superusers only, stays unset)
ALTER ROLE regress_smpc_ops CREATEROLE;
SET ROLE regress_smpc_ops;
SELECT smpc.create_peer_login('regress_peer_login3', 'another password');
RESET ROLE;
ALTER ROLE regress_smpc_ops NOCREATEROLE;
SELECT rolconnlimit, pg_has_role('regress_peer_login3', 'smpc_peer', 'MEMBER') AS in_smpc_peer
  FROM pg_roles WHERE rolname = 'regress_peer_login3';
SELECT unnest(setconfig) AS setting FROM pg_db_role_setting
  WHERE setrole = 'regress_peer_login3'::regrole AND setdatabase = 0 ORDER BY 1;
-- a session of a peer login: smpc.deliver() and nothing else, not even
-- a temporary table, SET or a harmless function
SELECT current_user AS regress_superuser \gset
\c - regress_peer_login
SELECT smpc.deliver('\x00');
CREATE TEMP TABLE t (x int);
SELECT 1;
SHOW statement_timeout;
SET statement_timeout = 0;
SELECT set_config('statement_timeout', '0', false);
SELECT pg_sleep(0);
SELECT smpc.deliver('\x00') FROM pg_class LIMIT 1;
SELECT smpc.deliver(smpc.deliver('\x00')::text::bytea);
SELECT * FROM pg_roles;
BEGIN;
DO $$ BEGIN PERFORM 1; END $$;
SET ROLE regress_smpc_ops;
\c - :regress_superuser
-- a superuser's session that takes a peer role is not held to it
SET ROLE regress_peer_login;
SELECT current_user;
RESET ROLE;
DROP ROLE regress_peer_login;
DROP ROLE regress_peer_login2;
DROP ROLE regress_peer_login3;
DROP ROLE regress_smpc_ops;

-- what the aggregates test starts from
SELECT name FROM smpc.node_info();
SELECT name, min_parties, members FROM smpc.peer_groups ORDER BY name COLLATE "C";
