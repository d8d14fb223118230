/*
 * Residue number system over k word primes q_0 .. q_{k-1} (pairwise coprime, each < 2^62):
 * composition of residues into integers modulo Q = prod q_i (CRT, GMP) and decomposition back.
 * Integers cross the boundary as little-endian arrays of `words` 64-bit limbs per value.
 */
#ifndef CCC_RNS_H
#define CCC_RNS_H

#include <stdint.h>
#include "ccc_common.h"
#include "ccc_modarith.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ccc_rns_base ccc_rns_base;   /* opaque: moduli, Q, CRT constants (GMP) */

/*
 * Creates the base for k moduli. Errors: CCC_ERR_INVALID_ARGUMENT (k == 0 or k > 256),
 * CCC_ERR_MODULUS_RANGE (a modulus < 2 or >= 2^62), CCC_ERR_NOT_INVERTIBLE (two moduli share a
 * factor), CCC_ERR_OUT_OF_MEMORY.
 */
ccc_status ccc_rns_base_create(ccc_rns_base **base, const uint64_t *moduli, size_t k);
void ccc_rns_base_destroy(ccc_rns_base *base);

/* Limbs needed to hold any value below Q. */
size_t ccc_rns_base_words(const ccc_rns_base *base);
/* Writes Q in ccc_rns_base_words(base) little-endian limbs. */
void ccc_rns_base_product(const ccc_rns_base *base, uint64_t *limbs);

/*
 * residues: k rows of n words (row i modulo q_i, values < q_i). out: n values of `words` limbs
 * each (words >= ccc_rns_base_words), the unique x in [0, Q) with x = residue_i mod q_i.
 */
ccc_status ccc_rns_compose(const ccc_rns_base *base, uint64_t *out, size_t words,
                           const uint64_t *residues, uint64_t n);

/* The inverse map: in holds n values of `words` limbs (any size); residues gets x mod q_i. */
ccc_status ccc_rns_decompose(const ccc_rns_base *base, uint64_t *residues, const uint64_t *in,
                             size_t words, uint64_t n);

#ifdef __cplusplus
}
#endif
#endif
