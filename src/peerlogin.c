/*-------------------------------------------------------------------------
 *
 * peerlogin.c
 *	  Holds the peers' logins to smpc.deliver().
 *
 * A session whose login role (the authenticated user) is a member of
 * smpc_peer and not a superuser may run one statement only:
 *
 *		SELECT smpc.deliver(<a parameter or a constant>)
 *
 * with nothing else in it.  Every other statement, utility commands
 * included (CREATE TEMP TABLE, SET, COPY, DO, LISTEN, EXPLAIN ...), is
 * refused after parse analysis, and so is any other function called
 * through the fast-path interface, which bypasses the parser.
 *
 * Why hooks rather than privileges: TEMP is granted to PUBLIC on every
 * database and cannot be taken from one role; PUBLIC may call many
 * built-in functions (set_config, pg_sleep, lo_create, ...) and read the
 * catalogs; and a role setting such as statement_timeout can be overridden
 * with SET or set_config().  The check is on the authenticated user, so a
 * peer login cannot leave it with SET ROLE, while a superuser's session
 * that SETs ROLE to a member of smpc_peer (as the regression tests do) is
 * not held to it.
 *
 * Whether a session is a peer login is decided once, at its first
 * statement; a membership granted or revoked later applies to the next
 * session.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/objectaccess.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/value.h"
#include "parser/analyze.h"
#include "parser/parse_func.h"
#include "utils/acl.h"
#include "utils/lsyscache.h"

#include "smpc.h"

static post_parse_analyze_hook_type prev_post_parse_analyze = NULL;
static object_access_hook_type prev_object_access = NULL;

/* -1: not decided yet; 0: an ordinary session; 1: a peer login */
static int	peer_login_session = -1;

static bool
is_peer_login(void)
{
	Oid			peer_role;
	Oid			login;

	if (peer_login_session >= 0)
		return peer_login_session == 1;
	if (MyProcPort == NULL)
	{
		/* not a client connection (a background worker): never a login */
		peer_login_session = 0;
		return false;
	}
	if (!IsTransactionState())
		return false;
	peer_role = get_role_oid("smpc_peer", true);
	if (!OidIsValid(peer_role))
		return false;			/* no smpc yet: decide again later */
	login = GetAuthenticatedUserId();
	peer_login_session = (!superuser_arg(login) &&
						  is_member_of_role(login, peer_role)) ? 1 : 0;
	return peer_login_session == 1;
}

static Oid
deliver_oid(void)
{
	Oid			argtypes[1] = {BYTEAOID};

	return LookupFuncName(list_make2(makeString("smpc"), makeString("deliver")),
						  1, argtypes, true);
}

static void
refuse(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("a peer login may only call smpc.deliver()"),
			 errdetail("Role \"%s\" is a member of smpc_peer; its sessions may run SELECT smpc.deliver(...) and nothing else.",
					   GetUserNameFromId(GetAuthenticatedUserId(), false)),
			 errhint("Use a role that is not a member of smpc_peer for anything else.")));
}

/* Is this query exactly SELECT smpc.deliver(<parameter or constant>)? */
static bool
is_deliver_call(Query *q)
{
	TargetEntry *te;
	FuncExpr   *f;
	Node	   *arg;
	Oid			deliver;

	if (q->commandType != CMD_SELECT || q->utilityStmt != NULL ||
		q->rtable != NIL || q->cteList != NIL || q->hasSubLinks ||
		q->hasAggs || q->hasWindowFuncs || q->hasTargetSRFs ||
		(q->jointree && (q->jointree->fromlist != NIL || q->jointree->quals != NULL)) ||
		q->groupClause != NIL || q->groupingSets != NIL || q->havingQual != NULL ||
		q->sortClause != NIL || q->distinctClause != NIL ||
		q->limitCount != NULL || q->limitOffset != NULL ||
		q->setOperations != NULL || q->rowMarks != NIL ||
		list_length(q->targetList) != 1)
		return false;
	te = (TargetEntry *) linitial(q->targetList);
	if (!IsA(te->expr, FuncExpr))
		return false;
	f = (FuncExpr *) te->expr;
	if (list_length(f->args) != 1)
		return false;
	arg = (Node *) linitial(f->args);
	if (!IsA(arg, Param) && !IsA(arg, Const))
		return false;
	deliver = deliver_oid();
	return OidIsValid(deliver) && f->funcid == deliver;
}

static void
smpc_post_parse_analyze(ParseState *pstate, Query *query, JumbleState *jstate)
{
	if (prev_post_parse_analyze)
		prev_post_parse_analyze(pstate, query, jstate);
	if (is_peer_login() && !is_deliver_call(query))
		refuse();
}

static void
smpc_object_access(ObjectAccessType access, Oid classId, Oid objectId,
				   int subId, void *arg)
{
	if (prev_object_access)
		prev_object_access(access, classId, objectId, subId, arg);
	if (access == OAT_FUNCTION_EXECUTE && is_peer_login() &&
		objectId != deliver_oid())
		refuse();
}

void
smpc_peer_login_init(void)
{
	prev_post_parse_analyze = post_parse_analyze_hook;
	post_parse_analyze_hook = smpc_post_parse_analyze;
	prev_object_access = object_access_hook;
	object_access_hook = smpc_object_access;
}
