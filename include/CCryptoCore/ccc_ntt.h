/*
 * Negacyclic number-theoretic transform over Z_q[X]/(X^n + 1), n = 2^k (2 <= n <= 2^17),
 * q prime, q = 1 mod 2n, q < 2^62.
 *
 * Conventions (fixed, so known-answer vectors are portable):
 *   psi   = the smallest primitive 2n-th root of unity mod q (ccc_min_primitive_root);
 *   forward: a(X) -> (a(psi^(2 bitrev(i) + 1)))_i, i.e. evaluations at the odd powers of psi in
 *            bit-reversed order (Cooley-Tukey, natural-order input, bit-reversed output);
 *   inverse: the exact inverse (Gentleman-Sande, bit-reversed input, natural-order output),
 *            including the factor 1/n.
 * Pointwise products of two forward transforms followed by the inverse give the negacyclic product.
 *
 * Lazy reduction (Harvey): the forward transform accepts inputs in [0, 4q) (CCC_NTT_INPUT_LAZY)
 * or [0, q), and returns outputs in [0, 4q) when lazy_output is non-zero, else in [0, q).
 * The inverse accepts inputs in [0, 2q) and returns [0, 2q) when lazy_output, else [0, q).
 *
 * Every kernel returns bit-identical results, lazy outputs included:
 *   q >= 2^50: the lazy values are those of Harvey's butterflies with Shoup products
 *     w*x - floor(w'*x / 2^64)*q in [0, 2q): forward (Cooley-Tukey) u = x reduced to [0, 2q),
 *     v = w*y, x' = u + v, y' = u - v + 2q; inverse (Gentleman-Sande) x' = (u + v) reduced to
 *     [0, 2q), y' = (u - v + 2q)*w, then every coefficient times n^-1 (Shoup); kernels may group
 *     stages (radix 4) or fuse passes but compute exactly these values;
 *   q < 2^50: forward and inverse outputs are always fully reduced to [0, q), even when
 *     lazy_output is set (the lazy ranges still hold), so kernels may use any exact internal
 *     arithmetic (the AVX-512 kernel uses double-precision FMA).
 */
#ifndef CCC_NTT_H
#define CCC_NTT_H

#include <stdint.h>
#include "ccc_common.h"
#include "ccc_modarith.h"

#ifdef __cplusplus
extern "C" {
#endif

#define CCC_NTT_MIN_LOG_N 1
#define CCC_NTT_MAX_LOG_N 17

/*
 * Precomputed tables of one (n, q). The arrays live in caller-owned storage of
 * ccc_ntt_storage_words(n) 64-bit words (8n), aligned to 64 bytes.
 */
typedef struct ccc_ntt_tables {
    uint64_t n;
    uint32_t log_n;
    uint32_t kernel;         /* ccc_kernel chosen for this modulus when the tables were built */
    ccc_modulus mod;
    uint64_t psi;            /* smallest primitive 2n-th root of unity */
    uint64_t n_inv;          /* n^-1 mod q */
    uint64_t n_inv_shoup;
    uint64_t *fwd;           /* n: psi^bitrev(i), i = 0..n-1 (entry 0 unused) */
    uint64_t *fwd_shoup;
    uint64_t *inv;           /* n: psi^-bitrev(i), i = 0..n-1 (entry 0 unused) */
    uint64_t *inv_shoup;
    /* Added for the fast kernels (filled by ccc_ntt_tables_init). */
    uint32_t canonical;      /* 1 when q < 2^50: outputs always fully reduced (see above) */
    uint32_t reserved;
    double *fwd_f;           /* n: fwd[i] as a double (q < 2^50 only, else zero) */
    double *fwd_fq;          /* n: fwd[i]/q rounded down to a multiple of 2^-53 */
    double *inv_f;
    double *inv_fq;
    uint64_t mont_qinv;      /* -q^-1 mod 2^64 (Montgomery pointwise products) */
    uint64_t mont_scale;     /* n^-1 * 2^64 mod q: inverse scaling after Montgomery products */
    uint64_t mont_scale_shoup;
} ccc_ntt_tables;

/* Number of 64-bit words of storage the tables of degree n need. */
size_t ccc_ntt_storage_words(uint64_t n);

/*
 * Builds the tables for (n, q) in `storage` (ccc_ntt_storage_words(n) words, 64-byte aligned).
 * Errors: CCC_ERR_NOT_POWER_OF_TWO, CCC_ERR_MODULUS_RANGE (q >= 2^62 or q < 3),
 * CCC_ERR_NOT_PRIME, CCC_ERR_NO_ROOT_OF_UNITY (q != 1 mod 2n), CCC_ERR_INVALID_ARGUMENT.
 * The kernel is the fastest one allowed (ccc_allowed_kernels) that supports q.
 */
ccc_status ccc_ntt_tables_init(ccc_ntt_tables *t, uint64_t n, uint64_t q, uint64_t *storage);

/* Kernels that can run the transform for these tables on this CPU (bit mask of ccc_kernel). */
uint32_t ccc_ntt_supported_kernels(const ccc_ntt_tables *t);

/* Forward transform in place with the tables' kernel. */
void ccc_ntt_forward(const ccc_ntt_tables *t, uint64_t *a, int lazy_output);
/* Inverse transform in place with the tables' kernel. */
void ccc_ntt_inverse(const ccc_ntt_tables *t, uint64_t *a, int lazy_output);

/* The same with an explicit kernel; CCC_ERR_INVALID_ARGUMENT if it is not supported here. */
ccc_status ccc_ntt_forward_kernel(const ccc_ntt_tables *t, uint64_t *a, int lazy_output, ccc_kernel k);
ccc_status ccc_ntt_inverse_kernel(const ccc_ntt_tables *t, uint64_t *a, int lazy_output, ccc_kernel k);

/*
 * The transforms in place with an n-word scratch: the inner passes run in `scratch`, so when it
 * is 64-byte aligned and `a` is not (e.g. Swift arrays), only the first and last passes touch
 * the unaligned buffer (about 20% faster with the AVX-512 kernel). Same results as without.
 */
void ccc_ntt_forward_scratch(const ccc_ntt_tables *t, uint64_t *a, int lazy_output, uint64_t *scratch);
void ccc_ntt_inverse_scratch(const ccc_ntt_tables *t, uint64_t *a, int lazy_output, uint64_t *scratch);
ccc_status ccc_ntt_forward_kernel_scratch(const ccc_ntt_tables *t, uint64_t *a, int lazy_output, ccc_kernel k,
                                          uint64_t *scratch);
ccc_status ccc_ntt_inverse_kernel_scratch(const ccc_ntt_tables *t, uint64_t *a, int lazy_output, ccc_kernel k,
                                          uint64_t *scratch);

/*
 * Negacyclic product out = a * b in Z_q[X]/(X^n+1) for coefficient-form inputs in [0, q);
 * `scratch` holds n words. out may alias a or b.
 */
void ccc_ntt_negacyclic_mul(const ccc_ntt_tables *t, uint64_t *out, const uint64_t *a,
                            const uint64_t *b, uint64_t *scratch);

/*
 * The same with `scratch2` of 2n words: the transforms run there, so when scratch2 is 64-byte
 * aligned and out, a, b are not (e.g. Swift arrays), only the first and last passes touch the
 * unaligned buffers (about 20% faster with the AVX-512 kernel). out may alias a or b.
 */
void ccc_ntt_negacyclic_mul_scratch2(const ccc_ntt_tables *t, uint64_t *out, const uint64_t *a,
                                     const uint64_t *b, uint64_t *scratch2);

/* Naive O(n^2) negacyclic product, the reference for tests (inputs in [0, q)). */
ccc_status ccc_negacyclic_mul_schoolbook(uint64_t *out, const uint64_t *a, const uint64_t *b,
                                         uint64_t n, uint64_t q);

/* The smallest primitive 2n-th root of unity mod the prime q (q = 1 mod 2n). */
ccc_status ccc_min_primitive_root(uint64_t *root, uint64_t n, uint64_t q);

/* FLINT-backed reference: out = a * b mod (X^n + 1, q) with nmod_poly_mulmod_preinv. */
ccc_status ccc_flint_negacyclic_mul(uint64_t *out, const uint64_t *a, const uint64_t *b,
                                    uint64_t n, uint64_t q);

/* Opaque prepared FLINT operands for benchmarking the reference without conversion costs. */
typedef struct ccc_flint_mulmod ccc_flint_mulmod;
ccc_status ccc_flint_mulmod_create(ccc_flint_mulmod **ctx, const uint64_t *a, const uint64_t *b,
                                   uint64_t n, uint64_t q);
/* One nmod_poly_mulmod_preinv on the prepared operands (result kept inside). */
void ccc_flint_mulmod_run(ccc_flint_mulmod *ctx);
/* One nmod_poly_mul followed by the negacyclic fold (FLINT's fastest route). */
void ccc_flint_mul_fold_run(ccc_flint_mulmod *ctx);
/* Copies the last result's n coefficients to out. */
void ccc_flint_mulmod_result(const ccc_flint_mulmod *ctx, uint64_t *out);
/* The degree n of the prepared operands. */
uint64_t ccc_flint_mulmod_n(const ccc_flint_mulmod *ctx);
void ccc_flint_mulmod_destroy(ccc_flint_mulmod *ctx);

#ifdef __cplusplus
}
#endif
#endif
