/*-------------------------------------------------------------------------
 *
 * crypto.c
 *	  Node key pairs, pairwise keys and message encryption (libsodium).
 *
 * A node's secret key lives only in a file under DataDir/smpc named after
 * its public key, mode 0600, and in guarded memory of the background worker
 * while the worker runs.  It never enters a table, a message or a log line.
 * The same directory holds "epoch", the last epoch a run of the worker
 * used (see smpc_next_epoch()).
 * Pairwise keys are derived once per peer: X25519 between our secret and
 * the peer's public key, hashed with both public keys in a fixed order, so
 * both ends get the same key.  Every message is sealed with
 * XChaCha20-Poly1305 under that key, its cleartext header as associated
 * data.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <dirent.h>
#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include "miscadmin.h"
#include "storage/fd.h"

#include "crypto.h"

#define SMPC_KEY_DIR "smpc"

void
smpc_crypto_init(void)
{
	if (sodium_init() < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not initialise libsodium")));
}

void
smpc_key_to_text(const uint8 *key, char *out, size_t outlen)
{
	sodium_bin2base64(out, outlen, key, SMPC_KEY_BYTES,
					  sodium_base64_VARIANT_ORIGINAL);
}

bool
smpc_key_from_text(const char *text, uint8 *key)
{
	size_t		len = 0;

	if (strlen(text) != 44)
		return false;
	if (sodium_base642bin(key, SMPC_KEY_BYTES, text, 44, NULL, &len, NULL,
						  sodium_base64_VARIANT_ORIGINAL) != 0)
		return false;
	return len == SMPC_KEY_BYTES;
}

SmpcSecret
smpc_secret_alloc(void)
{
	SmpcSecret	s;

	s.bytes = sodium_malloc(SMPC_KEY_BYTES);
	if (s.bytes == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("could not allocate guarded memory for a key")));
	return s;
}

void
smpc_secret_free(SmpcSecret *secret)
{
	if (secret->bytes)
		sodium_free(secret->bytes);	/* wipes before freeing */
	secret->bytes = NULL;
}

char *
smpc_key_path(const uint8 *public_key)
{
	char		hex[SMPC_KEY_BYTES * 2 + 1];

	sodium_bin2hex(hex, sizeof(hex), public_key, SMPC_KEY_BYTES);
	return psprintf("%s/%s/%s.key", DataDir, SMPC_KEY_DIR, hex);
}

/*
 * Make a new key pair and store its secret half in a new file; return the
 * public half.  The file is written under a temporary name, synced and
 * renamed into place, so a crash leaves either no key or a whole one.
 */
void
smpc_generate_key_file(uint8 *public_key_out)
{
	SmpcSecret	secret = smpc_secret_alloc();
	char	   *dir = psprintf("%s/%s", DataDir, SMPC_KEY_DIR);
	char	   *path;
	char	   *tmppath;
	int			fd;

	crypto_box_keypair(public_key_out, secret.bytes);

	if (mkdir(dir, S_IRWXU) != 0 && errno != EEXIST)
	{
		smpc_secret_free(&secret);
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not create directory \"%s\": %m", dir)));
	}
	path = smpc_key_path(public_key_out);
	tmppath = psprintf("%s.tmp", path);
	fd = OpenTransientFilePerm(tmppath, O_WRONLY | O_CREAT | O_TRUNC | PG_BINARY,
							   S_IRUSR | S_IWUSR);
	if (fd < 0)
	{
		smpc_secret_free(&secret);
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not create key file \"%s\": %m", tmppath)));
	}
	if (write(fd, secret.bytes, SMPC_KEY_BYTES) != SMPC_KEY_BYTES ||
		pg_fsync(fd) != 0)
	{
		int			save_errno = errno;

		CloseTransientFile(fd);
		unlink(tmppath);
		smpc_secret_free(&secret);
		errno = save_errno ? save_errno : ENOSPC;
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not write key file \"%s\": %m", tmppath)));
	}
	smpc_secret_free(&secret);
	CloseTransientFile(fd);
	durable_rename(tmppath, path, ERROR);
}

/*
 * Read the secret key for public_key into guarded memory and check that it
 * belongs to that public key.  On failure, say why (without key material).
 */
bool
smpc_load_key_file(const uint8 *public_key, SmpcSecret *secret,
				   char *why, size_t whylen)
{
	char	   *path = smpc_key_path(public_key);
	uint8		derived[SMPC_KEY_BYTES];
	struct stat st;
	int			fd;
	ssize_t		got;

	fd = OpenTransientFile(path, O_RDONLY | PG_BINARY);
	if (fd < 0)
	{
		snprintf(why, whylen, "could not open key file \"%s\": %m", path);
		return false;
	}
	if (fstat(fd, &st) == 0 && (st.st_mode & (S_IRWXG | S_IRWXO)) != 0)
	{
		CloseTransientFile(fd);
		snprintf(why, whylen, "key file \"%s\" is accessible to other users", path);
		return false;
	}
	*secret = smpc_secret_alloc();
	got = read(fd, secret->bytes, SMPC_KEY_BYTES);
	CloseTransientFile(fd);
	if (got != SMPC_KEY_BYTES)
	{
		smpc_secret_free(secret);
		snprintf(why, whylen, "key file \"%s\" is truncated", path);
		return false;
	}
	crypto_scalarmult_base(derived, secret->bytes);
	if (sodium_memcmp(derived, public_key, SMPC_KEY_BYTES) != 0)
	{
		smpc_secret_free(secret);
		snprintf(why, whylen, "key file \"%s\" does not match the node's public key", path);
		return false;
	}
	return true;
}

/* Delete key files of earlier key pairs once a newer one is in use. */
void
smpc_remove_other_key_files(const uint8 *keep_public_key)
{
	char	   *dir = psprintf("%s/%s", DataDir, SMPC_KEY_DIR);
	char	   *keep = smpc_key_path(keep_public_key);
	DIR		   *d;
	struct dirent *de;

	d = AllocateDir(dir);
	if (d == NULL)
		return;
	while ((de = ReadDirExtended(d, dir, LOG)) != NULL)
	{
		char	   *path;

		size_t		len = strlen(de->d_name);

		/* only key files (and their temporaries): the epoch file stays */
		if (!(len > 4 && strcmp(de->d_name + len - 4, ".key") == 0) &&
			!(len > 8 && strcmp(de->d_name + len - 8, ".key.tmp") == 0))
			continue;
		path = psprintf("%s/%s", dir, de->d_name);
		if (strcmp(path, keep) != 0)
		{
			if (unlink(path) != 0)
				ereport(LOG,
						(errcode_for_file_access(),
						 errmsg("could not remove old key file \"%s\": %m", path)));
		}
		pfree(path);
	}
	FreeDir(d);
}

/*
 * Draw the epoch of a new run of the worker (see codec.h): the current time
 * in microseconds, or one more than the last epoch drawn here if that is
 * larger (the clock was set back).  It is recorded durably in
 * DataDir/smpc/epoch before it is used, so this node's epochs only grow.
 * If it cannot be recorded, the clock alone decides, with a warning.
 */
uint64
smpc_next_epoch(void)
{
	char	   *dir = psprintf("%s/%s", DataDir, SMPC_KEY_DIR);
	char	   *path = psprintf("%s/epoch", dir);
	char	   *tmppath = psprintf("%s/epoch.tmp", dir);
	uint64		last = 0;
	uint64		epoch;
	uint8		buf[8];
	int			fd;
	int			i;

	fd = OpenTransientFile(path, O_RDONLY | PG_BINARY);
	if (fd >= 0)
	{
		if (read(fd, buf, sizeof(buf)) == sizeof(buf))
			for (i = 0; i < 8; i++)
				last = (last << 8) | buf[i];
		CloseTransientFile(fd);
	}
	epoch = Max((uint64) GetCurrentTimestamp(), last + 1);
	for (i = 0; i < 8; i++)
		buf[i] = (uint8) (epoch >> (56 - 8 * i));

	if (mkdir(dir, S_IRWXU) != 0 && errno != EEXIST)
		fd = -1;
	else
		fd = OpenTransientFilePerm(tmppath, O_WRONLY | O_CREAT | O_TRUNC | PG_BINARY,
								   S_IRUSR | S_IWUSR);
	if (fd < 0 || write(fd, buf, sizeof(buf)) != sizeof(buf) || pg_fsync(fd) != 0 ||
		CloseTransientFile(fd) != 0 || durable_rename(tmppath, path, LOG) != 0)
		ereport(WARNING,
				(errcode_for_file_access(),
				 errmsg("smpc: could not record the worker epoch in \"%s\": %m", path),
				 errdetail("The epoch comes from the clock alone; if the clock was set back, peers may refuse this run's messages until the worker restarts.")));
	return epoch;
}

bool
smpc_pairwise_key(const SmpcSecret *own_secret, const uint8 *own_public,
				  const uint8 *peer_public, SmpcSecret *pairwise)
{
	uint8		shared[crypto_scalarmult_BYTES];
	crypto_generichash_state st;
	const uint8 *first,
			   *second;

	if (crypto_scalarmult(shared, own_secret->bytes, peer_public) != 0)
		return false;			/* low-order point */
	if (memcmp(own_public, peer_public, SMPC_KEY_BYTES) < 0)
	{
		first = own_public;
		second = peer_public;
	}
	else
	{
		first = peer_public;
		second = own_public;
	}
	*pairwise = smpc_secret_alloc();
	crypto_generichash_init(&st, NULL, 0, SMPC_KEY_BYTES);
	crypto_generichash_update(&st, (const uint8 *) "smpc-pairwise-v1", 16);
	crypto_generichash_update(&st, shared, sizeof(shared));
	crypto_generichash_update(&st, first, SMPC_KEY_BYTES);
	crypto_generichash_update(&st, second, SMPC_KEY_BYTES);
	crypto_generichash_final(&st, pairwise->bytes, SMPC_KEY_BYTES);
	sodium_memzero(shared, sizeof(shared));
	sodium_memzero(&st, sizeof(st));
	return true;
}

void
smpc_seal(const SmpcSecret *pairwise, const uint8 *nonce,
		  const uint8 *ad, size_t adlen,
		  const uint8 *plain, size_t plainlen, uint8 *out)
{
	unsigned long long clen;

	crypto_aead_xchacha20poly1305_ietf_encrypt(out, &clen, plain, plainlen,
											   ad, adlen, NULL, nonce,
											   pairwise->bytes);
}

bool
smpc_open(const SmpcSecret *pairwise, const uint8 *nonce,
		  const uint8 *ad, size_t adlen,
		  const uint8 *cipher, size_t cipherlen, uint8 *out)
{
	unsigned long long mlen;

	if (cipherlen < SMPC_AEAD_TAG_BYTES)
		return false;
	return crypto_aead_xchacha20poly1305_ietf_decrypt(out, &mlen, NULL,
													  cipher, cipherlen,
													  ad, adlen, nonce,
													  pairwise->bytes) == 0;
}
