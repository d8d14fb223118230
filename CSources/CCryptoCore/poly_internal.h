#ifndef CCC_POLY_INTERNAL_H
#define CCC_POLY_INTERNAL_H
#include "CCryptoCore/ccc_poly.h"

/* Coefficients per tile of the multiply-accumulate kernels. */
#define CCC_DOT_BLOCK 256

/*
 * One tile of the signed small-scalar multiply-accumulate: coefficients [j0, j0 + len) with
 * len <= CCC_DOT_BLOCK; out points at coefficient j0 of the output. Arguments already
 * validated. The SIMD versions need len to be a multiple of their lane count.
 */
void ccc_dot_small_tile_portable(uint64_t *out, const uint64_t *const *polys, uint64_t j0,
                                 const int64_t *scalars, size_t count, uint64_t len,
                                 const ccc_modulus *m, int accumulate);
void ccc_dot_small_tile_avx512(uint64_t *out, const uint64_t *const *polys, uint64_t j0,
                               const int64_t *scalars, size_t count, uint64_t len,
                               const ccc_modulus *m, int accumulate);
void ccc_dot_small_tile_avx2(uint64_t *out, const uint64_t *const *polys, uint64_t j0,
                             const int64_t *scalars, size_t count, uint64_t len,
                             const ccc_modulus *m, int accumulate);

/* Reduces the split accumulator a0 + a1 * 2^32 + a2 * 2^64 (each < 2^64) plus prev (< q) mod q. */
static inline uint64_t ccc_reduce_split(const ccc_modulus *m, uint64_t a0, uint64_t a1, uint64_t a2,
                                        uint64_t prev) {
    ccc_u128 v = (ccc_u128)a0 + ((ccc_u128)a1 << 32) + prev;   /* < 2^97 */
    ccc_u128 hi = (ccc_u128)a2 + (uint64_t)(v >> 64);            /* the 2^64 part, < 2^65 */
    /* hi * 2^64 + lo mod q: reduce hi first so the 128-bit Barrett input fits. */
    uint64_t hi_red = ccc_barrett_reduce_128(m, (uint64_t)hi, (uint64_t)(hi >> 64));
    return ccc_barrett_reduce_128(m, (uint64_t)v, hi_red);
}
#endif
