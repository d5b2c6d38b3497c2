/*-------------------------------------------------------------------------
 *
 * crypto.h
 *	  Node keys, pairwise keys and authenticated encryption of messages.
 *
 *-------------------------------------------------------------------------
 */
#ifndef SMPC_CRYPTO_H
#define SMPC_CRYPTO_H

#include "smpc.h"

#define SMPC_AEAD_NONCE_BYTES 24
#define SMPC_AEAD_TAG_BYTES 16

/* A secret held in libsodium's guarded memory; wiped when freed. */
typedef struct SmpcSecret
{
	uint8	   *bytes;			/* SMPC_KEY_BYTES, sodium_malloc'd */
} SmpcSecret;

extern void smpc_crypto_init(void);

/* base64 text form of a public key (44 characters and a NUL) */
extern void smpc_key_to_text(const uint8 *key, char *out, size_t outlen);
extern bool smpc_key_from_text(const char *text, uint8 *key);

/* Key file handling, under DataDir/smpc. */
extern char *smpc_key_path(const uint8 *public_key);
extern void smpc_generate_key_file(uint8 *public_key_out);
extern bool smpc_load_key_file(const uint8 *public_key, SmpcSecret *secret,
							   char *why, size_t whylen);
extern void smpc_remove_other_key_files(const uint8 *keep_public_key);
extern uint64 smpc_next_epoch(void);

extern SmpcSecret smpc_secret_alloc(void);
extern void smpc_secret_free(SmpcSecret *secret);

/* Pairwise key from our secret and the peer's public key. */
extern bool smpc_pairwise_key(const SmpcSecret *own_secret,
							  const uint8 *own_public, const uint8 *peer_public,
							  SmpcSecret *pairwise);

/* Encrypt/decrypt with associated data; nonce is 24 bytes. */
extern void smpc_seal(const SmpcSecret *pairwise, const uint8 *nonce,
					  const uint8 *ad, size_t adlen,
					  const uint8 *plain, size_t plainlen, uint8 *out);
extern bool smpc_open(const SmpcSecret *pairwise, const uint8 *nonce,
					  const uint8 *ad, size_t adlen,
					  const uint8 *cipher, size_t cipherlen, uint8 *out);

#endif
