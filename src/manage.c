/*-------------------------------------------------------------------------
 *
 * manage.c
 *	  SQL-callable management: the node's key pair, the configuration
 *	  trigger, the worker's peer status, and smpc.deliver(), the one entry
 *	  point of peers.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <sodium.h>

#include "access/detoast.h"
#include "commands/dbcommands.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

#include "codec.h"
#include "crypto.h"
#include "shmem.h"
#include "smpc.h"

PG_FUNCTION_INFO_V1(smpc_init_node);
PG_FUNCTION_INFO_V1(smpc_config_changed);
PG_FUNCTION_INFO_V1(smpc_peer_status);
PG_FUNCTION_INFO_V1(smpc_deliver);
PG_FUNCTION_INFO_V1(smpc_usable_public_key);

/*
 * smpc.init_node(name, new_key): make the node's key pair and record the
 * public half.  The secret half goes to a file only the server can read.
 */
Datum
smpc_init_node(PG_FUNCTION_ARGS)
{
	char	   *name = text_to_cstring(PG_GETARG_TEXT_PP(0));
	bool		new_key = PG_GETARG_BOOL(1);
	uint8		public_key[SMPC_KEY_BYTES];
	char		keytext[64];
	char	   *current_db;
	int			ret;
	Oid			argtypes[2] = {TEXTOID, TEXTOID};
	Datum		values[2];

	smpc_check_loaded();

	current_db = get_database_name(MyDatabaseId);
	if (current_db == NULL || strcmp(current_db, smpc_database) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("the smpc node lives in database \"%s\"", smpc_database),
				 errhint("Connect to database \"%s\", or change smpc.database and restart the server.",
						 smpc_database)));

	if (strlen(name) == 0 || strlen(name) >= SMPC_MAX_NAME ||
		strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-") != strlen(name))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid node name \"%s\"", name),
				 errhint("Use 1 to 63 letters, digits, \"_\", \".\" or \"-\".")));

	SPI_connect();
	ret = SPI_execute("SELECT name FROM smpc.node FOR UPDATE", false, 0);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "could not read smpc.node");
	if (SPI_processed > 0 && !new_key)
	{
		char	   *existing = SPI_getvalue(SPI_tuptable->vals[0],
											SPI_tuptable->tupdesc, 1);

		ereport(ERROR,
				(errcode(ERRCODE_DUPLICATE_OBJECT),
				 errmsg("smpc node is already initialised as \"%s\"", existing),
				 errhint("Use smpc.rotate_key() to replace the key pair; every peer must then be given the new public key with smpc.set_peer_key().")));
	}

	smpc_generate_key_file(public_key);
	smpc_key_to_text(public_key, keytext, sizeof(keytext));

	values[0] = CStringGetTextDatum(name);
	values[1] = CStringGetTextDatum(keytext);
	ret = SPI_execute_with_args("INSERT INTO smpc.node (name, public_key) VALUES ($1, $2) "
								"ON CONFLICT (singleton) DO UPDATE "
								"SET name = EXCLUDED.name, public_key = EXCLUDED.public_key, created = now()",
								2, argtypes, values, NULL, false, 0);
	if (ret != SPI_OK_INSERT)
		elog(ERROR, "could not record the node's public key");
	SPI_finish();

	PG_RETURN_TEXT_P(cstring_to_text(keytext));
}

/* Statement trigger on the configuration tables. */
Datum
smpc_config_changed(PG_FUNCTION_ARGS)
{
	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("smpc.config_changed() must be called as a trigger")));
	smpc_note_config_change();
	return PointerGetDatum(NULL);
}

/* One row per peer key the worker knows. */
Datum
smpc_peer_status(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	SmpcPeerStatus *copy;
	int			n,
				i;

	smpc_check_loaded();
	InitMaterializedSRF(fcinfo, 0);

	copy = shmem_read_status(&n);

	for (i = 0; i < n; i++)
	{
		Datum		values[6];
		bool		nulls[6] = {0};
		char		keytext[64];

		smpc_key_to_text(copy[i].public_key, keytext, sizeof(keytext));
		values[0] = CStringGetTextDatum(keytext);
		values[1] = BoolGetDatum(copy[i].connected);
		values[2] = BoolGetDatum(copy[i].key_verified);
		values[3] = Float8GetDatum(copy[i].rtt_ms);
		nulls[3] = copy[i].rtt_ms < 0;
		values[4] = TimestampTzGetDatum(copy[i].last_contact);
		nulls[4] = copy[i].last_contact == 0;
		/* connection errors of restricted peers: see transport.c */
		values[5] = CStringGetTextDatum(copy[i].error_hidden && !superuser()
										? SMPC_HIDDEN_CONNECT_ERROR : copy[i].last_error);
		nulls[5] = copy[i].last_error[0] == '\0';
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

/*
 * smpc.deliver(message): called by a peer's worker over libpq.  Only cheap
 * checks happen here (size, format, a worker to take it, addressed to this
 * node and, except a PING, to the worker's current epoch); the worker
 * authenticates and decrypts, and checks the epochs again.  The message is
 * copied into the shared inbox and the worker woken.
 */
Datum
smpc_deliver(PG_FUNCTION_ARGS)
{
	bytea	   *msg;
	const uint8 *data;
	size_t		len;
	SmpcHeader	h;
	const char *why = NULL;

	smpc_check_loaded();

	/* refuse an oversized message before it is decompressed or copied */
	if (toast_raw_datum_size(PG_GETARG_DATUM(0)) > VARHDRSZ + SMPC_MAX_MESSAGE)
		ereport(ERROR,
				(errcode(ERRCODE_PROTOCOL_VIOLATION),
				 errmsg("smpc message rejected: message is too large")));
	msg = PG_GETARG_BYTEA_PP(0);
	data = (const uint8 *) VARDATA_ANY(msg);
	len = VARSIZE_ANY_EXHDR(msg);

	if (!smpc_header_parse(data, len, &h, &why))
		ereport(ERROR,
				(errcode(ERRCODE_PROTOCOL_VIOLATION),
				 errmsg("smpc message rejected: %s", why)));

	shmem_inbox_put(&h, data, len);
	PG_RETURN_VOID();
}

/*
 * smpc.usable_public_key(key): true if key is 32 bytes and not a low-order
 * point, so that a pairwise key can be derived with it.
 */
Datum
smpc_usable_public_key(PG_FUNCTION_ARGS)
{
	bytea	   *key = PG_GETARG_BYTEA_PP(0);
	uint8		scalar[crypto_scalarmult_SCALARBYTES];
	uint8		out[crypto_scalarmult_BYTES];
	bool		ok;

	if (VARSIZE_ANY_EXHDR(key) != SMPC_KEY_BYTES)
		PG_RETURN_BOOL(false);
	if (sodium_init() < 0)
		elog(ERROR, "could not initialise libsodium");
	randombytes_buf(scalar, sizeof(scalar));
	ok = crypto_scalarmult(out, scalar, (const uint8 *) VARDATA_ANY(key)) == 0;
	sodium_memzero(scalar, sizeof(scalar));
	sodium_memzero(out, sizeof(out));
	PG_RETURN_BOOL(ok);
}
