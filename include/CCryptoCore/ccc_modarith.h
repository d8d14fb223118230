/*
 * Word-size modular arithmetic for moduli q < 2^62.
 *
 * Shoup multiplication by a constant w < q with w' = floor(w * 2^64 / q):
 *   for any x < 2^64, t = w*x - floor(w'*x / 2^64) * q (mod 2^64) lies in [0, 2q).
 * Barrett reduction of a 128-bit value uses ratio = floor(2^128 / q) (two words).
 * All routines here are constant time in their operands (no data-dependent branches: final
 * corrections are computed with masks).
 */
#ifndef CCC_MODARITH_H
#define CCC_MODARITH_H

#include <stdint.h>
#include "ccc_common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef unsigned __int128 ccc_u128;

/* Largest modulus bit size the word kernels accept: lazy NTT values live in [0, 4q) < 2^64. */
#define CCC_MAX_MODULUS_BITS 62

/* High word of the 128-bit product a*b. */
static inline uint64_t ccc_mulhi64(uint64_t a, uint64_t b) {
    return (uint64_t)(((ccc_u128)a * b) >> 64);
}

/* x - q if x >= q, else x, for x < 2q (branch free). */
static inline uint64_t ccc_reduce_once(uint64_t x, uint64_t q) {
    uint64_t y = x - q;
    uint64_t mask = (uint64_t)0 - (uint64_t)(y >> 63);   /* all ones when x < q (q < 2^63) */
    return y + (q & mask);
}

/* Shoup companion of w < q: floor(w * 2^64 / q). */
static inline uint64_t ccc_shoup_precompute(uint64_t w, uint64_t q) {
    return (uint64_t)(((ccc_u128)w << 64) / q);
}

/* w * x mod q in [0, 2q) for any 64-bit x (Shoup, lazy). */
static inline uint64_t ccc_mul_shoup_lazy(uint64_t x, uint64_t w, uint64_t w_shoup, uint64_t q) {
    uint64_t hi = ccc_mulhi64(w_shoup, x);
    return w * x - hi * q;
}

/* w * x mod q in [0, q) for any 64-bit x. */
static inline uint64_t ccc_mul_shoup(uint64_t x, uint64_t w, uint64_t w_shoup, uint64_t q) {
    return ccc_reduce_once(ccc_mul_shoup_lazy(x, w, w_shoup, q), q);
}

/* Barrett constants of a modulus 2 <= q < 2^62. */
typedef struct ccc_modulus {
    uint64_t q;
    uint64_t ratio_lo;   /* floor(2^128 / q), low word  */
    uint64_t ratio_hi;   /* floor(2^128 / q), high word */
    uint32_t bits;       /* bit length of q */
} ccc_modulus;

/* Fills m for q; CCC_ERR_MODULUS_RANGE unless 2 <= q < 2^62. */
ccc_status ccc_modulus_init(ccc_modulus *m, uint64_t q);

/*
 * Barrett reduction of a 128-bit x = hi*2^64 + lo to [0, q), valid for any x < 2^128 when
 * q < 2^62 (the quotient estimate is short by at most 2, corrected twice).
 */
static inline uint64_t ccc_barrett_reduce_128(const ccc_modulus *m, uint64_t lo, uint64_t hi) {
    /* floor(x * ratio / 2^128), computed from the three upper partial products. */
    ccc_u128 lo_rlo = (ccc_u128)lo * m->ratio_lo;
    ccc_u128 lo_rhi = (ccc_u128)lo * m->ratio_hi;
    ccc_u128 hi_rlo = (ccc_u128)hi * m->ratio_lo;
    ccc_u128 mid = (lo_rlo >> 64) + (uint64_t)lo_rhi + (uint64_t)hi_rlo;
    uint64_t quot = (uint64_t)(mid >> 64) + (uint64_t)(lo_rhi >> 64) + (uint64_t)(hi_rlo >> 64)
                  + hi * m->ratio_hi;
    uint64_t r = lo - quot * m->q;          /* in [0, 3q) */
    r = ccc_reduce_once(r, 2 * m->q) ;      /* [0, 2q) ... */
    return ccc_reduce_once(r, m->q);        /* ... [0, q) */
}

/* a * b mod q for a, b < 2^64 (Barrett on the 128-bit product). */
static inline uint64_t ccc_mul_mod(const ccc_modulus *m, uint64_t a, uint64_t b) {
    ccc_u128 p = (ccc_u128)a * b;
    return ccc_barrett_reduce_128(m, (uint64_t)p, (uint64_t)(p >> 64));
}

/* (a + b) mod q and (a - b) mod q for a, b < q. */
static inline uint64_t ccc_add_mod(uint64_t a, uint64_t b, uint64_t q) { return ccc_reduce_once(a + b, q); }
static inline uint64_t ccc_sub_mod(uint64_t a, uint64_t b, uint64_t q) {
    uint64_t d = a - b;
    return d + (q & ((uint64_t)0 - (d >> 63)));
}

/* base^e mod q (square and multiply; variable time in e, which is public everywhere it is used). */
uint64_t ccc_pow_mod_vartime(const ccc_modulus *m, uint64_t base, uint64_t e);

/* Inverse of a mod q in out; CCC_ERR_NOT_INVERTIBLE when gcd(a, q) != 1 (variable time). */
ccc_status ccc_inv_mod_vartime(uint64_t *out, uint64_t a, uint64_t q);

#ifdef __cplusplus
}
#endif
#endif
