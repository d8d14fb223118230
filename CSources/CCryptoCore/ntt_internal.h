/* Kernel entry points shared by the NTT implementation files (not part of the public API). */
#ifndef CCC_NTT_INTERNAL_H
#define CCC_NTT_INTERNAL_H
#include "CCryptoCore/ccc_ntt.h"

void ccc_ntt_forward_portable(const ccc_ntt_tables *t, uint64_t *a, int lazy_output);
void ccc_ntt_inverse_portable(const ccc_ntt_tables *t, uint64_t *a, int lazy_output);
void ccc_ntt_forward_avx512(const ccc_ntt_tables *t, uint64_t *a, int lazy_output);
void ccc_ntt_inverse_avx512(const ccc_ntt_tables *t, uint64_t *a, int lazy_output);
void ccc_ntt_forward_avx2(const ccc_ntt_tables *t, uint64_t *a, int lazy_output);
void ccc_ntt_inverse_avx2(const ccc_ntt_tables *t, uint64_t *a, int lazy_output);

/*
 * Inverse transforms whose final scaling multiplies by s (Shoup companion s_shoup) instead of
 * n^-1; with s = n^-1 they are the plain inverses. Used by the ring product to absorb the 2^-64
 * of Montgomery pointwise products.
 */
void ccc_ntt_inverse_portable_scaled(const ccc_ntt_tables *t, uint64_t *a, int lazy_output,
                                     uint64_t s, uint64_t s_shoup);
void ccc_ntt_inverse_avx2_scaled(const ccc_ntt_tables *t, uint64_t *a, int lazy_output,
                                 uint64_t s, uint64_t s_shoup);

/* ccc_ntt_negacyclic_mul with the AVX-512 kernel (n >= CCC_NTT_AVX512_MIN_N). */
void ccc_ntt_negacyclic_mul_avx512(const ccc_ntt_tables *t, uint64_t *out, const uint64_t *a,
                                   const uint64_t *b, uint64_t *scratch);
/* ccc_ntt_forward_scratch / ccc_ntt_inverse_scratch with the AVX-512 kernel. */
void ccc_ntt_forward_avx512_scratch(const ccc_ntt_tables *t, uint64_t *a, int lazy_output, uint64_t *w);
void ccc_ntt_inverse_avx512_scratch(const ccc_ntt_tables *t, uint64_t *a, int lazy_output, uint64_t *w);
/* ccc_ntt_negacyclic_mul_scratch2 with the AVX-512 kernel. */
void ccc_ntt_negacyclic_mul2_avx512(const ccc_ntt_tables *t, uint64_t *out, const uint64_t *a,
                                    const uint64_t *b, uint64_t *scratch2);

/* Smallest n each vector kernel handles; smaller transforms run the portable code. */
#define CCC_NTT_AVX512_MIN_N 16
#define CCC_NTT_AVX2_MIN_N 8
/* Moduli below 2^CCC_NTT_CANONICAL_BITS use fully reduced transform products. */
#define CCC_NTT_CANONICAL_BITS 50

/* Montgomery product a*b*2^-64 mod q in [0, 2q) for a, b < q < 2^62, qinv = -q^-1 mod 2^64. */
static inline uint64_t ccc_mont_mul(uint64_t a, uint64_t b, uint64_t q, uint64_t qinv) {
    ccc_u128 p = (ccc_u128)a * b;
    uint64_t lo = (uint64_t)p, hi = (uint64_t)(p >> 64);
    uint64_t m = lo * qinv;
    uint64_t mh = (uint64_t)(((ccc_u128)m * q) >> 64);
    /* lo + lo(m*q) = 0 mod 2^64: the carry is 1 exactly when lo != 0. */
    return hi + mh + (uint64_t)(lo != 0);
}
#endif
