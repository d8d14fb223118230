/*
 * Thin wrappers over GMP's mpz layer for Swift.
 *
 * GMP exposes most of its API as macros (mpz_add is #define'd to __gmpz_add, mpz_sgn is a pure
 * macro), which Swift cannot call; these functions give every operation the BigInt type needs a
 * plain C symbol. Storage is owned by the caller (a Swift class holding an __mpz_struct):
 * ccc_mpz_init / ccc_mpz_clear bracket its life. Routines that can fail on bad input (division by
 * zero, a non-positive modulus, a malformed string, a value that does not fit) return a ccc_status
 * and leave the output unspecified but valid; nothing aborts.
 *
 * All routines here are variable time (they run GMP's mpz code) except where noted.
 */
#ifndef CCC_BIGINT_H
#define CCC_BIGINT_H

#include <stddef.h>
#include <stdint.h>
#include <gmp.h>
#include "ccc_common.h"

#ifdef __cplusplus
extern "C" {
#endif

void ccc_mpz_init(mpz_ptr x);
/* Overwrites the limbs with zeros (secrets must not linger in freed memory), then frees them. */
void ccc_mpz_clear(mpz_ptr x);

void ccc_mpz_set(mpz_ptr r, mpz_srcptr a);
void ccc_mpz_set_i64(mpz_ptr r, int64_t v);
void ccc_mpz_set_u64(mpz_ptr r, uint64_t v);
/* 1 if a fits in int64_t (and then *out = a), 0 otherwise. */
int ccc_mpz_get_i64(int64_t *out, mpz_srcptr a);
/* 1 if 0 <= a < 2^64 (and then *out = a), 0 otherwise. */
int ccc_mpz_get_u64(uint64_t *out, mpz_srcptr a);

int ccc_mpz_sgn(mpz_srcptr a);
int ccc_mpz_cmp(mpz_srcptr a, mpz_srcptr b);
int ccc_mpz_cmp_i64(mpz_srcptr a, int64_t b);
/* Number of bits of |a|; 0 for a = 0. */
size_t ccc_mpz_bit_length(mpz_srcptr a);
/* Bit i of the two's complement of a (infinite sign extension for negative a). */
int ccc_mpz_tstbit(mpz_srcptr a, uint64_t i);
/* Number of limbs of |a| and a read pointer to them (least significant first). */
size_t ccc_mpz_size(mpz_srcptr a);
const mp_limb_t *ccc_mpz_limbs(mpz_srcptr a);

void ccc_mpz_add(mpz_ptr r, mpz_srcptr a, mpz_srcptr b);
void ccc_mpz_sub(mpz_ptr r, mpz_srcptr a, mpz_srcptr b);
void ccc_mpz_mul(mpz_ptr r, mpz_srcptr a, mpz_srcptr b);
void ccc_mpz_mul_i64(mpz_ptr r, mpz_srcptr a, int64_t b);
void ccc_mpz_neg(mpz_ptr r, mpz_srcptr a);
void ccc_mpz_abs(mpz_ptr r, mpz_srcptr a);
/* r = a * 2^bits (bits >= 0). */
void ccc_mpz_shl(mpz_ptr r, mpz_srcptr a, uint64_t bits);
/* r = floor(a / 2^bits) (arithmetic shift: rounds towards minus infinity). */
void ccc_mpz_shr(mpz_ptr r, mpz_srcptr a, uint64_t bits);
/* r = a^e. Fails (CCC_ERR_INVALID_ARGUMENT) when the result would exceed max_bits bits. */
ccc_status ccc_mpz_pow_u64(mpz_ptr r, mpz_srcptr a, uint64_t e, uint64_t max_bits);

/*
 * Truncating division (C semantics): q = trunc(a / b), r = a - q*b, sign(r) = sign(a).
 * q or r may be NULL. CCC_ERR_INVALID_ARGUMENT when b = 0.
 */
ccc_status ccc_mpz_tdiv_qr(mpz_ptr q, mpz_ptr r, mpz_srcptr a, mpz_srcptr b);
/* Floor division: q = floor(a / b), r = a - q*b, sign(r) = sign(b). q or r may be NULL. */
ccc_status ccc_mpz_fdiv_qr(mpz_ptr q, mpz_ptr r, mpz_srcptr a, mpz_srcptr b);
/* Least non-negative residue: r = a mod m in [0, m). CCC_ERR_INVALID_ARGUMENT unless m > 0. */
ccc_status ccc_mpz_mod(mpz_ptr r, mpz_srcptr a, mpz_srcptr m);
/*
 * r = a^-1 mod m in [0, m). CCC_ERR_INVALID_ARGUMENT unless m > 0;
 * CCC_ERR_NOT_INVERTIBLE when gcd(a, m) != 1 (also for m = 1 the result is 0 and OK).
 */
ccc_status ccc_mpz_invert(mpz_ptr r, mpz_srcptr a, mpz_srcptr m);
/* r = gcd(a, b) >= 0. */
void ccc_mpz_gcd(mpz_ptr r, mpz_srcptr a, mpz_srcptr b);
/* r = lcm(a, b) >= 0. */
void ccc_mpz_lcm(mpz_ptr r, mpz_srcptr a, mpz_srcptr b);

/*
 * Parses a string in base 10 or 16 (an optional leading '-', then digits; for base 16 an optional
 * "0x"/"0X" prefix after the sign; no spaces, no empty digit string).
 * CCC_ERR_INVALID_ARGUMENT on any malformed input or an unsupported base.
 */
ccc_status ccc_mpz_set_str(mpz_ptr r, const char *s, size_t len, int base);
/* Upper bound on the characters ccc_mpz_get_str writes, including the sign and the final NUL. */
size_t ccc_mpz_str_capacity(mpz_srcptr a, int base);
/* Writes a in base 10 or 16 (lower case, no prefix) into buf (NUL terminated). */
ccc_status ccc_mpz_get_str(char *buf, size_t cap, mpz_srcptr a, int base);

/* r = the non-negative integer with big-endian bytes in[0..len). len may be 0 (r = 0). */
ccc_status ccc_mpz_from_bytes(mpz_ptr r, const uint8_t *in, size_t len);
/* Minimal big-endian byte length of a >= 0 (0 for a = 0). */
size_t ccc_mpz_byte_length(mpz_srcptr a);
/*
 * Writes a >= 0 as exactly len big-endian bytes (left-padded with zeros).
 * CCC_ERR_INVALID_ARGUMENT for a < 0, CCC_ERR_SIZE_MISMATCH when a needs more than len bytes.
 */
ccc_status ccc_mpz_to_bytes(uint8_t *out, size_t len, mpz_srcptr a);

/*
 * Primality: 2 if a is certainly prime, 1 if probably prime (Baillie-PSW plus reps - 24 extra
 * Miller-Rabin rounds, GMP >= 6.2), 0 if composite. a <= 1 gives 0.
 */
int ccc_mpz_probab_prime(mpz_srcptr a, int reps);

#ifdef __cplusplus
}
#endif
#endif
