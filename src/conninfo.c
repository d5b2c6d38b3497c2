/*-------------------------------------------------------------------------
 *
 * conninfo.c
 *	  The connection strings of peers: which keywords an administrator may
 *	  use, how a password is masked, and the exact parameters the
 *	  background worker hands to libpq.
 *
 * The worker connects as the server's OS user, from the server's network
 * position.  A connection string chosen by a member of smpc_admin who is
 * not a superuser must therefore not make libpq read files of the
 * server's choosing or of the administrator's choosing (a password file,
 * a service file, an OpenSSL engine in sslkey), nor authenticate with
 * anything but a password the administrator supplied.  Like dblink and
 * postgres_fdw, smpc lets a superuser use every keyword, and holds
 * everyone else to a short list:
 *
 *	 - keywords: host, port, dbname, user, password, connect_timeout,
 *	   keepalives*, tcp_user_timeout, requirepeer, channel_binding and the
 *	   ssl* settings below; every other keyword is refused, in particular
 *	   passfile, service, options, replication, hostaddr (it makes the name
 *	   libpq uses for password lookup and certificate checks differ from
 *	   the address it connects to), gssencmode, krbsrvname and gsslib;
 *	 - one host and one port, not a list;
 *	 - sslcert, sslkey, sslrootcert, sslcrl and sslcrldir: absolute paths
 *	   inside smpc.cert_directory (a directory a superuser chooses in
 *	   postgresql.conf; unset, no such file may be named), without "." or
 *	   ".." components; no colon in sslkey (OpenSSL's engine syntax);
 *	 - a non-empty password, which the peer's server must actually ask
 *	   for (checked by the worker once connected): the server's own
 *	   identity (trust, peer or ident authentication, the OS user's
 *	   certificate or Kerberos ticket) is never used on behalf of such an
 *	   administrator.
 *
 * Each row of smpc.peer records whether a superuser gave its connection
 * string (column unrestricted); the worker applies the same rules again to
 * every other row before it connects, so a row written some other way
 * cannot bypass them.  The worker always names the password file itself:
 * $PGDATA/smpc/pgpass for a superuser's peers (unless the superuser gave
 * passfile), and none for the others; nor does it offer the OS user's
 * default client certificate or Kerberos credentials for the others.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "libpq-fe.h"
#include "miscadmin.h"
#include "nodes/value.h"
#include "parser/parse_func.h"
#include "utils/builtins.h"
#include "utils/guc.h"

#include "conninfo.h"
#include "smpc.h"

PG_FUNCTION_INFO_V1(smpc_add_peer);
PG_FUNCTION_INFO_V1(smpc_check_conninfo);
PG_FUNCTION_INFO_V1(smpc_mask_conninfo);

char	   *smpc_cert_directory = NULL;

/* What an administrator who is not a superuser may use. */
static const char *const restricted_keywords[] = {
	"host", "port", "dbname", "user", "password", "connect_timeout",
	"keepalives", "keepalives_idle", "keepalives_interval", "keepalives_count",
	"tcp_user_timeout", "requirepeer", "channel_binding",
	"sslmode", "sslcert", "sslkey", "sslpassword", "sslrootcert", "sslcrl",
	"sslcrldir", "sslsni", "ssl_min_protocol_version", "ssl_max_protocol_version",
	NULL
};

/* Keywords that name files: confined to smpc.cert_directory. */
static const char *const path_keywords[] = {
	"sslcert", "sslkey", "sslrootcert", "sslcrl", "sslcrldir", NULL
};

static bool
in_list(const char *word, const char *const *list)
{
	for (; *list; list++)
		if (strcmp(word, *list) == 0)
			return true;
	return false;
}

/* Is path an absolute path inside smpc.cert_directory, with no . or .. ? */
static bool
path_in_cert_directory(const char *path)
{
	const char *dir = smpc_cert_directory;
	size_t		dirlen;
	const char *p;

	if (dir == NULL || dir[0] == '\0' || path[0] != '/')
		return false;
	dirlen = strlen(dir);
	if (strncmp(path, dir, dirlen) != 0 || (path[dirlen] != '/' && path[dirlen] != '\0'))
		return false;
	/* every component after the first slash: not empty, ".", or ".." */
	for (p = path; *p;)
	{
		const char *start = ++p;	/* skip the slash */
		size_t		len;

		while (*p && *p != '/')
			p++;
		len = p - start;
		if (len == 0 || (len == 1 && start[0] == '.') ||
			(len == 2 && start[0] == '.' && start[1] == '.'))
			return false;
	}
	return true;
}

static void
set_problem(SmpcConninfoProblem *why, int sqlerrcode, const char *message,
			const char *detail, const char *hint)
{
	why->sqlerrcode = sqlerrcode;
	strlcpy(why->message, message, sizeof(why->message));
	strlcpy(why->detail, detail, sizeof(why->detail));
	strlcpy(why->hint, hint, sizeof(why->hint));
}

static void
allowed_keywords_hint(SmpcConninfoProblem *why)
{
	StringInfoData buf;
	const char *const *k;

	initStringInfo(&buf);
	appendStringInfoString(&buf, "Administrators who are not superusers may use ");
	for (k = restricted_keywords; *k; k++)
		appendStringInfo(&buf, "%s%s", *k, k[1] ? ", " : ".");
	strlcpy(why->hint, buf.data, sizeof(why->hint));
	pfree(buf.data);
}

/*
 * Check one parsed option against the rules for administrators who are
 * not superusers.  Returns false and fills *why if it breaks one.
 */
static bool
option_allowed(const PQconninfoOption *o, SmpcConninfoProblem *why)
{
	char		msg[256];
	char		detail[512];

	if (!in_list(o->keyword, restricted_keywords))
	{
		const char *reason = "It is not on the list of keywords smpc allows to administrators who are not superusers.";

		if (strcmp(o->keyword, "passfile") == 0 || strcmp(o->keyword, "service") == 0)
			reason = "It makes the background worker read a file of the server's as the server's OS user.";
		else if (strcmp(o->keyword, "hostaddr") == 0)
			reason = "It makes the address connected to differ from the host name used for password lookup and certificate checks; give a numeric address in host instead.";
		else if (strcmp(o->keyword, "options") == 0 || strcmp(o->keyword, "replication") == 0)
			reason = "It changes what the peer's server runs for the connection.";
		else if (strncmp(o->keyword, "gss", 3) == 0 || strcmp(o->keyword, "krbsrvname") == 0)
			reason = "It would let the worker authenticate with the server's own Kerberos credentials.";
		snprintf(msg, sizeof(msg),
				 "connection string keyword \"%s\" is not allowed", o->keyword);
		snprintf(detail, sizeof(detail), "Only superusers may use \"%s\" in a peer's connection string. %s",
				 o->keyword, reason);
		set_problem(why, ERRCODE_INSUFFICIENT_PRIVILEGE, msg, detail, "");
		allowed_keywords_hint(why);
		return false;
	}
	if ((strcmp(o->keyword, "host") == 0 || strcmp(o->keyword, "port") == 0) &&
		strchr(o->val, ',') != NULL)
	{
		snprintf(msg, sizeof(msg), "connection string keyword \"%s\" lists several values",
				 o->keyword);
		snprintf(detail, sizeof(detail),
				 "Only superusers may give a peer a list of hosts or ports.");
		set_problem(why, ERRCODE_INSUFFICIENT_PRIVILEGE, msg, detail,
					"Give one host and one port.");
		return false;
	}
	if (strcmp(o->keyword, "sslkey") == 0 && strchr(o->val, ':') != NULL)
	{
		set_problem(why, ERRCODE_INSUFFICIENT_PRIVILEGE,
					"connection string keyword \"sslkey\" uses the OpenSSL engine syntax",
					"A colon in sslkey makes libpq load an OpenSSL engine; only superusers may use it.",
					"Name a key file inside smpc.cert_directory.");
		return false;
	}
	if (in_list(o->keyword, path_keywords) && !path_in_cert_directory(o->val))
	{
		char		hint[512];

		snprintf(msg, sizeof(msg),
				 "file named by connection string keyword \"%s\" is outside smpc.cert_directory",
				 o->keyword);
		if (smpc_cert_directory == NULL || smpc_cert_directory[0] == '\0')
			snprintf(detail, sizeof(detail),
					 "smpc.cert_directory is not set, so only superusers may name certificate and key files.");
		else
			snprintf(detail, sizeof(detail),
					 "Administrators who are not superusers may name only files inside \"%s\", by an absolute path without \".\" or \"..\" components.",
					 smpc_cert_directory);
		snprintf(hint, sizeof(hint),
				 "A superuser sets smpc.cert_directory in postgresql.conf and puts the certificate files there.");
		set_problem(why, ERRCODE_INSUFFICIENT_PRIVILEGE, msg, detail, hint);
		return false;
	}
	return true;
}

/*
 * Check a connection string.  With unrestricted (a superuser gave it),
 * only its syntax is checked, and *beyond_restricted tells whether it uses
 * anything an administrator who is not a superuser could not.  Returns
 * false and fills *why if the string is refused.
 */
bool
smpc_conninfo_check(const char *conninfo, bool unrestricted,
					SmpcConninfoProblem *why, bool *beyond_restricted)
{
	PQconninfoOption *opts;
	PQconninfoOption *o;
	char	   *err = NULL;
	bool		have_password = false;
	bool		ok = true;

	*beyond_restricted = false;
	opts = PQconninfoParse(conninfo, &err);
	if (opts == NULL)
	{
		char		detail[512];

		snprintf(detail, sizeof(detail), "%s", err ? err : "out of memory");
		/* libpq's message ends with a newline */
		if (detail[0] && detail[strlen(detail) - 1] == '\n')
			detail[strlen(detail) - 1] = '\0';
		if (err)
			PQfreemem(err);
		set_problem(why, ERRCODE_INVALID_PARAMETER_VALUE,
					"invalid connection string", detail,
					"Use libpq's keyword=value form or a postgresql:// URI.");
		return false;
	}
	for (o = opts; o->keyword; o++)
	{
		SmpcConninfoProblem scratch;

		if (o->val == NULL)
			continue;
		if (strcmp(o->keyword, "password") == 0 && o->val[0] != '\0')
			have_password = true;
		if (!option_allowed(o, unrestricted ? &scratch : why))
		{
			*beyond_restricted = true;
			if (!unrestricted)
			{
				ok = false;
				break;
			}
		}
	}
	PQconninfoFree(opts);
	if (ok && !have_password)
	{
		if (!unrestricted)
		{
			set_problem(why, ERRCODE_INSUFFICIENT_PRIVILEGE,
						"the connection string has no password",
						"Administrators who are not superusers must give the peer login's password in the connection string: the server's password file and its own identity are never used for their peers.",
						"Add password=... (the peers view masks it), or ask a superuser to add the peer.");
			ok = false;
		}
	}
	return ok;
}

/*
 * The keyword/value arrays the worker passes to PQconnectStartParams
 * (with expand_dbname = 0), in palloc'd memory.  The peer's own settings
 * come after smpc's defaults (TCP keepalives) and before what smpc always
 * sets: the password file, the application name, and for a restricted
 * peer no GSSAPI encryption.  Returns false with a message in errbuf if a
 * restricted peer's string breaks the rules.
 */
bool
smpc_conninfo_params(const char *conninfo, bool unrestricted,
					 const char ***keys, const char ***values,
					 char *errbuf, size_t errlen)
{
	PQconninfoOption *opts;
	PQconninfoOption *o;
	SmpcConninfoProblem why;
	bool		beyond;
	bool		have_passfile = false;
	bool		have_sslcert = false;
	char	   *err = NULL;
	const char **k;
	const char **v;
	int			n = 0;
	int			nopts = 0;

	if (!smpc_conninfo_check(conninfo, unrestricted, &why, &beyond))
	{
		snprintf(errbuf, errlen, "connection string refused: %s", why.message);
		return false;
	}
	opts = PQconninfoParse(conninfo, &err);
	if (opts == NULL)
	{
		if (err)
			PQfreemem(err);
		snprintf(errbuf, errlen, "connection string refused: invalid connection string");
		return false;
	}
	for (o = opts; o->keyword; o++)
		nopts++;
	k = palloc0(sizeof(char *) * (nopts + 16));
	v = palloc0(sizeof(char *) * (nopts + 16));

	/* TCP keepalives notice a dead path while the connection is idle */
	k[n] = pstrdup("keepalives"); v[n++] = pstrdup("1");
	k[n] = pstrdup("keepalives_idle"); v[n++] = pstrdup("30");
	k[n] = pstrdup("keepalives_interval"); v[n++] = pstrdup("10");
	k[n] = pstrdup("keepalives_count"); v[n++] = pstrdup("3");
	for (o = opts; o->keyword; o++)
	{
		if (o->val == NULL)
			continue;
		if (strcmp(o->keyword, "passfile") == 0 && o->val[0] != '\0')
			have_passfile = true;
		if (strcmp(o->keyword, "sslcert") == 0 && o->val[0] != '\0')
			have_sslcert = true;
		k[n] = pstrdup(o->keyword);
		v[n++] = pstrdup(o->val);
	}
	PQconninfoFree(opts);
	if (!unrestricted)
	{
		/*
		 * No password file at all: the password is in the string (checked
		 * above), so libpq never looks for one; naming a file that is not a
		 * plain file makes sure it reads none if it ever did.
		 */
		k[n] = pstrdup("passfile"); v[n++] = pstrdup("/dev/null");
		k[n] = pstrdup("gssencmode"); v[n++] = pstrdup("disable");
		/*
		 * Nor the OS user's own client certificate (~/.postgresql), which
		 * libpq would offer by default: a path that cannot exist (its
		 * parent is not a directory) makes libpq go on without one.
		 */
		if (!have_sslcert)
		{
			k[n] = pstrdup("sslcert"); v[n++] = pstrdup("/dev/null/no-certificate");
		}
	}
	else if (!have_passfile)
	{
		k[n] = pstrdup("passfile");
		v[n++] = psprintf("%s/smpc/pgpass", DataDir);
	}
	k[n] = pstrdup("application_name"); v[n++] = pstrdup("smpc worker");
	k[n] = NULL;
	v[n] = NULL;
	*keys = k;
	*values = v;
	return true;
}

/* Free what smpc_conninfo_params returned, secrets wiped first. */
void
smpc_conninfo_params_free(const char **keys, const char **values)
{
	int			i;

	for (i = 0; keys[i]; i++)
	{
		explicit_bzero((char *) values[i], strlen(values[i]));
		pfree((char *) keys[i]);
		pfree((char *) values[i]);
	}
	pfree(keys);
	pfree(values);
}

/*
 * Check hook of smpc.cert_directory: empty, or an absolute path other than
 * "/", stored without a trailing slash.
 */
bool
smpc_cert_directory_check(char **newval, void **extra, GucSource source)
{
	if (*newval == NULL || (*newval)[0] == '\0')
		return true;
	if ((*newval)[0] != '/')
	{
		GUC_check_errdetail("smpc.cert_directory must be an absolute path.");
		return false;
	}
	canonicalize_path(*newval);
	if (strcmp(*newval, "/") == 0)
	{
		GUC_check_errdetail("smpc.cert_directory must not be the root directory.");
		return false;
	}
	return true;
}

/*
 * smpc.add_peer(group_name, peer_name, conninfo, public_key).
 *
 * SECURITY INVOKER, so that superuser() here is about the role that calls
 * it (inside a SECURITY DEFINER function it would be about the function's
 * owner).  It hands that answer to smpc.add_peer_checked(), which runs as
 * the extension's owner (SECURITY DEFINER), checks everything and writes
 * the row.  add_peer_checked is granted to no one: it is called here
 * through fmgr, which applies its SECURITY DEFINER and search_path but not
 * the EXECUTE privilege, so an administrator cannot call it with a
 * forged answer.
 */
Datum
smpc_add_peer(PG_FUNCTION_ARGS)
{
	Oid			argtypes[5] = {TEXTOID, TEXTOID, TEXTOID, TEXTOID, BOOLOID};
	Oid			fn;
	FmgrInfo	flinfo;
	int			i;

	LOCAL_FCINFO(call, 5);

	fn = LookupFuncName(list_make2(makeString("smpc"), makeString("add_peer_checked")),
						5, argtypes, false);
	fmgr_info(fn, &flinfo);
	InitFunctionCallInfoData(*call, &flinfo, 5, PG_GET_COLLATION(), NULL, NULL);
	for (i = 0; i < 4; i++)
	{
		call->args[i].value = PG_ARGISNULL(i) ? (Datum) 0 : PG_GETARG_DATUM(i);
		call->args[i].isnull = PG_ARGISNULL(i);
	}
	call->args[4].value = BoolGetDatum(superuser());
	call->args[4].isnull = false;
	(void) FunctionCallInvoke(call);
	PG_RETURN_VOID();
}

/*
 * smpc.check_conninfo(peer_name, conninfo, unrestricted): raise the error
 * for a refused connection string; warn a superuser whose string uses
 * what other administrators may not.
 */
Datum
smpc_check_conninfo(PG_FUNCTION_ARGS)
{
	char	   *peer = text_to_cstring(PG_GETARG_TEXT_PP(0));
	char	   *conninfo = text_to_cstring(PG_GETARG_TEXT_PP(1));
	bool		unrestricted = PG_GETARG_BOOL(2);
	SmpcConninfoProblem why;
	bool		beyond;

	if (!smpc_conninfo_check(conninfo, unrestricted, &why, &beyond))
		ereport(ERROR,
				(errcode(why.sqlerrcode),
				 errmsg("%s", why.message),
				 errdetail("%s", why.detail),
				 why.hint[0] ? errhint("%s", why.hint) : 0,
				 errcontext("connection string of peer \"%s\"", peer)));
	if (unrestricted && beyond)
		ereport(WARNING,
				(errmsg("the connection string of peer \"%s\" uses settings that only superusers may use", peer),
				 errdetail("The background worker will use them as the server's OS user; keywords such as passfile, service, hostaddr and files outside smpc.cert_directory are refused to other administrators."),
				 errhint("Check that every file and host it names is one you intend the server to use.")));
	PG_RETURN_VOID();
}

/* Append value to buf, quoted for a keyword=value connection string if needed. */
static void
append_conninfo_value(StringInfo buf, const char *val)
{
	const char *c;
	bool		quote = (val[0] == '\0');

	for (c = val; *c && !quote; c++)
		if (*c == '\'' || *c == '\\' || isspace((unsigned char) *c))
			quote = true;
	if (!quote)
	{
		appendStringInfoString(buf, val);
		return;
	}
	appendStringInfoChar(buf, '\'');
	for (c = val; *c; c++)
	{
		if (*c == '\'' || *c == '\\')
			appendStringInfoChar(buf, '\\');
		appendStringInfoChar(buf, *c);
	}
	appendStringInfoChar(buf, '\'');
}

/*
 * smpc.mask_conninfo(conninfo): the string in keyword=value form with
 * every secret (password, sslpassword; libpq marks them) replaced by
 * asterisks, whether it was given as keywords or as a URI.  A string that
 * does not parse is not shown at all.
 */
Datum
smpc_mask_conninfo(PG_FUNCTION_ARGS)
{
	char	   *conninfo = text_to_cstring(PG_GETARG_TEXT_PP(0));
	PQconninfoOption *opts;
	PQconninfoOption *o;
	char	   *err = NULL;
	StringInfoData buf;

	opts = PQconninfoParse(conninfo, &err);
	if (opts == NULL)
	{
		if (err)
			PQfreemem(err);
		PG_RETURN_TEXT_P(cstring_to_text("<invalid connection string>"));
	}
	initStringInfo(&buf);
	for (o = opts; o->keyword; o++)
	{
		if (o->val == NULL)
			continue;
		if (buf.len > 0)
			appendStringInfoChar(&buf, ' ');
		appendStringInfo(&buf, "%s=", o->keyword);
		if (o->dispchar && o->dispchar[0] == '*')
			appendStringInfoString(&buf, "********");
		else
			append_conninfo_value(&buf, o->val);
	}
	PQconninfoFree(opts);
	PG_RETURN_TEXT_P(cstring_to_text(buf.data));
}
