/* Primes for NTT-friendly RNS moduli (FLINT primality: BPSW, deterministic below 2^64). */
#ifndef CCC_PRIMES_H
#define CCC_PRIMES_H

#include <stdint.h>
#include "ccc_common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* 1 if q is prime, 0 otherwise (FLINT n_is_prime: BPSW, proven correct for q < 2^64). */
int ccc_is_prime(uint64_t q);

/*
 * Writes to out the `count` largest primes q of exactly `bits` bits with q = 1 mod 2n and
 * q < upper_bound, in decreasing order. upper_bound = 0 (or above 2^bits) means 2^bits.
 * Errors: CCC_ERR_INVALID_ARGUMENT (bits outside 2..62, n not a power of two),
 * CCC_ERR_NOT_FOUND (fewer than count such primes of that bit size).
 */
ccc_status ccc_ntt_primes(uint64_t *out, size_t count, uint32_t bits, uint64_t n, uint64_t upper_bound);

#ifdef __cplusplus
}
#endif
#endif
