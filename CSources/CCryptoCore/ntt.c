#include "ntt_internal.h"
#include "CCryptoCore/ccc_primes.h"

#include <flint/nmod_poly.h>
#include <stdlib.h>
#include <string.h>

/* fwd, fwd_shoup, inv, inv_shoup, then the double tables fwd_f, fwd_fq, inv_f, inv_fq. */
size_t ccc_ntt_storage_words(uint64_t n) { return (size_t)(8 * n); }

/* w/q rounded down to a multiple of 2^-53 (so 0 <= w/q - result < 2^-53), for w < q < 2^62. */
static double ratio_down(uint64_t w, uint64_t q) {
    return (double)(uint64_t)(((ccc_u128)w << 53) / q) * 0x1p-53;
}

static uint64_t bit_reverse(uint64_t x, uint32_t bits) {
    uint64_t r = 0;
    for (uint32_t i = 0; i < bits; i++) { r = (r << 1) | (x & 1); x >>= 1; }
    return r;
}

static int valid_degree(uint64_t n, uint32_t *log_n) {
    if (n == 0 || (n & (n - 1)) != 0) return 0;
    uint32_t k = (uint32_t)__builtin_ctzll(n);
    if (k < CCC_NTT_MIN_LOG_N || k > CCC_NTT_MAX_LOG_N) return 0;
    *log_n = k;
    return 1;
}

ccc_status ccc_min_primitive_root(uint64_t *root, uint64_t n, uint64_t q) {
    uint32_t log_n;
    if (root == NULL) return CCC_ERR_INVALID_ARGUMENT;
    if (!valid_degree(n, &log_n)) return CCC_ERR_NOT_POWER_OF_TWO;
    ccc_modulus m;
    ccc_status s = ccc_modulus_init(&m, q);
    if (s != CCC_OK || q < 3) return CCC_ERR_MODULUS_RANGE;
    if (!ccc_is_prime(q)) return CCC_ERR_NOT_PRIME;
    const uint64_t order = 2 * n;
    if ((q - 1) % order != 0) return CCC_ERR_NO_ROOT_OF_UNITY;
    const uint64_t cofactor = (q - 1) / order;
    /* Find some primitive 2n-th root: x^cofactor has order dividing 2n; it is primitive iff
       its n-th power is -1. Then the primitive roots are its odd powers: take the smallest. */
    uint64_t g = 0;
    for (uint64_t x = 2; x < q; x++) {
        uint64_t w = ccc_pow_mod_vartime(&m, x, cofactor);
        if (ccc_pow_mod_vartime(&m, w, n) == q - 1) { g = w; break; }
    }
    if (g == 0) return CCC_ERR_NO_ROOT_OF_UNITY;
    uint64_t g2 = ccc_mul_mod(&m, g, g), cur = g, best = g;
    for (uint64_t k = 1; k < n; k++) {
        cur = ccc_mul_mod(&m, cur, g2);
        if (cur < best) best = cur;
    }
    *root = best;
    return CCC_OK;
}

static uint32_t kernels_for_modulus(uint64_t n, uint64_t q) {
    uint32_t mask = 1u << CCC_KERNEL_PORTABLE;
    uint32_t cpu = ccc_cpu_kernels();
    /* AVX2 compares through sign bits, so its lazy values 4q must stay below 2^63. */
    if ((cpu & (1u << CCC_KERNEL_AVX2)) && n >= CCC_NTT_AVX2_MIN_N && (q >> 60) == 0) mask |= 1u << CCC_KERNEL_AVX2;
    if ((cpu & (1u << CCC_KERNEL_AVX512)) && n >= CCC_NTT_AVX512_MIN_N) mask |= 1u << CCC_KERNEL_AVX512;
    return mask;
}

static ccc_kernel best_kernel(uint32_t mask) {
    for (int k = CCC_KERNEL_AVX512_IFMA; k > CCC_KERNEL_PORTABLE; k--)
        if (mask & (1u << k)) return (ccc_kernel)k;
    return CCC_KERNEL_PORTABLE;
}

ccc_status ccc_ntt_tables_init(ccc_ntt_tables *t, uint64_t n, uint64_t q, uint64_t *storage) {
    if (t == NULL || storage == NULL) return CCC_ERR_INVALID_ARGUMENT;
    uint32_t log_n;
    if (!valid_degree(n, &log_n)) return CCC_ERR_NOT_POWER_OF_TWO;
    if (q < 3 || (q >> CCC_MAX_MODULUS_BITS) != 0) return CCC_ERR_MODULUS_RANGE;
    uint64_t psi;
    ccc_status s = ccc_min_primitive_root(&psi, n, q);
    if (s != CCC_OK) return s;
    memset(t, 0, sizeof *t);
    t->n = n;
    t->log_n = log_n;
    ccc_modulus_init(&t->mod, q);
    t->psi = psi;
    t->fwd = storage;
    t->fwd_shoup = storage + n;
    t->inv = storage + 2 * n;
    t->inv_shoup = storage + 3 * n;
    uint64_t psi_inv;
    if (ccc_inv_mod_vartime(&psi_inv, psi, q) != CCC_OK) return CCC_ERR_NOT_INVERTIBLE;
    /* Powers in natural order first, then scatter to bit-reversed positions. */
    uint64_t p = 1, pi = 1;
    for (uint64_t i = 0; i < n; i++) {
        uint64_t r = bit_reverse(i, log_n);
        t->fwd[r] = p;
        t->inv[r] = pi;
        p = ccc_mul_mod(&t->mod, p, psi);
        pi = ccc_mul_mod(&t->mod, pi, psi_inv);
    }
    for (uint64_t i = 0; i < n; i++) {
        t->fwd_shoup[i] = ccc_shoup_precompute(t->fwd[i], q);
        t->inv_shoup[i] = ccc_shoup_precompute(t->inv[i], q);
    }
    if (ccc_inv_mod_vartime(&t->n_inv, n % q, q) != CCC_OK) return CCC_ERR_NOT_INVERTIBLE;
    t->n_inv_shoup = ccc_shoup_precompute(t->n_inv, q);
    t->canonical = (q >> CCC_NTT_CANONICAL_BITS) == 0;
    t->fwd_f = (double *)(storage + 4 * n);
    t->fwd_fq = (double *)(storage + 5 * n);
    t->inv_f = (double *)(storage + 6 * n);
    t->inv_fq = (double *)(storage + 7 * n);
    for (uint64_t i = 0; i < n; i++) {
        t->fwd_f[i] = t->canonical ? (double)t->fwd[i] : 0.0;
        t->fwd_fq[i] = t->canonical ? ratio_down(t->fwd[i], q) : 0.0;
        t->inv_f[i] = t->canonical ? (double)t->inv[i] : 0.0;
        t->inv_fq[i] = t->canonical ? ratio_down(t->inv[i], q) : 0.0;
    }
    /* Montgomery: qinv = -q^-1 mod 2^64 by Newton iteration (q odd). */
    uint64_t x = q;                        /* q*q = 1 mod 8 */
    for (int i = 0; i < 5; i++) x *= 2 - q * x;
    t->mont_qinv = (uint64_t)0 - x;
    uint64_t r_mod_q = (uint64_t)(((ccc_u128)1 << 64) % q);
    t->mont_scale = ccc_mul_mod(&t->mod, t->n_inv, r_mod_q);
    t->mont_scale_shoup = ccc_shoup_precompute(t->mont_scale, q);
    t->kernel = (uint32_t)best_kernel(kernels_for_modulus(n, q) & ccc_allowed_kernels());
    return CCC_OK;
}

uint32_t ccc_ntt_supported_kernels(const ccc_ntt_tables *t) {
    return t == NULL ? 0 : kernels_for_modulus(t->n, t->mod.q);
}

/* ---- portable kernels (Harvey lazy butterflies) ---- */

/* canon (q < 2^50): every output is fully reduced, lazy or not; a constant in each instantiation. */
#define PORTABLE_INLINE static inline __attribute__((always_inline))

/* x - m if x >= m else x, for x < 2m and m < 2^63, through the sign bit (compilers turn the
   comparison form into a branch in some loops, which mispredicts on random data). */
PORTABLE_INLINE uint64_t sub_if_ge(uint64_t x, uint64_t m) {
    uint64_t y = x - m;
    return y + (m & ((uint64_t)0 - (y >> 63)));
}

/* Cooley-Tukey butterfly on x, y < 4q: x' = u + v, y' = u - v + 2q with u = x mod 2q. */
PORTABLE_INLINE void fwd_bf(uint64_t *x, uint64_t *y, uint64_t w, uint64_t ws, uint64_t q,
                            uint64_t two_q) {
    uint64_t u = sub_if_ge(*x, two_q);                          /* [0, 2q) */
    uint64_t v = ccc_mul_shoup_lazy(*y, w, ws, q);              /* [0, 2q) */
    *x = u + v;                                                 /* [0, 4q) */
    *y = u - v + two_q;                                         /* [0, 4q) */
}

/* Gentleman-Sande butterfly on x, y < 2q. */
PORTABLE_INLINE void inv_bf(uint64_t *x, uint64_t *y, uint64_t w, uint64_t ws, uint64_t q,
                            uint64_t two_q) {
    uint64_t u = *x, v = *y;
    uint64_t sum = sub_if_ge(u + v, two_q);
    uint64_t d = ccc_mul_shoup_lazy(u - v + two_q, w, ws, q);   /* [0, 2q) */
    *x = sum;
    *y = d;
}

/* Stages are done two at a time (radix 4: half the loads and stores), with one radix-2 stage
   first when log2(n) is odd; the butterflies and their order per coefficient are unchanged. */
PORTABLE_INLINE void forward_portable(const ccc_ntt_tables *t, uint64_t *a, int lazy_output, const int canon) {
    const uint64_t n = t->n, q = t->mod.q, two_q = 2 * q;
    uint64_t m = 1, gap = n >> 1;
    if (t->log_n & 1) {
        const uint64_t w = t->fwd[1], ws = t->fwd_shoup[1];
        for (uint64_t j = 0; j < gap; j++) fwd_bf(&a[j], &a[j + gap], w, ws, q, two_q);
        m = 2; gap >>= 1;
    }
    for (; gap >= 2; m <<= 2, gap >>= 2) {
        const uint64_t g = gap >> 1;
        for (uint64_t i = 0; i < m; i++) {
            const uint64_t w1 = t->fwd[m + i], ws1 = t->fwd_shoup[m + i];
            const uint64_t w2 = t->fwd[2 * m + 2 * i], ws2 = t->fwd_shoup[2 * m + 2 * i];
            const uint64_t w3 = t->fwd[2 * m + 2 * i + 1], ws3 = t->fwd_shoup[2 * m + 2 * i + 1];
            uint64_t *p = a + 4 * i * g;
            for (uint64_t j = 0; j < g; j++) {
                uint64_t x0 = p[j], x1 = p[j + g], x2 = p[j + 2 * g], x3 = p[j + 3 * g];
                fwd_bf(&x0, &x2, w1, ws1, q, two_q);
                fwd_bf(&x1, &x3, w1, ws1, q, two_q);
                fwd_bf(&x0, &x1, w2, ws2, q, two_q);
                fwd_bf(&x2, &x3, w3, ws3, q, two_q);
                p[j] = x0; p[j + g] = x1; p[j + 2 * g] = x2; p[j + 3 * g] = x3;
            }
        }
    }
    if (!lazy_output || canon) {
        for (uint64_t j = 0; j < n; j++) a[j] = ccc_reduce_once(sub_if_ge(a[j], two_q), q);
    }
}

void ccc_ntt_forward_portable(const ccc_ntt_tables *t, uint64_t *a, int lazy_output) {
    if (t->canonical) forward_portable(t, a, lazy_output, 1);
    else forward_portable(t, a, lazy_output, 0);
}

/* Final scaling of an inverse output x (< 2q) by s: Shoup-lazy, reduced unless lazy output
   (always reduced for q < 2^50). */
PORTABLE_INLINE uint64_t scale_out(uint64_t x, uint64_t s, uint64_t s_shoup, uint64_t q, int lazy_output,
                                   const int canon) {
    uint64_t u = ccc_mul_shoup_lazy(x, s, s_shoup, q);
    return (lazy_output && !canon) ? u : ccc_reduce_once(u, q);
}

/* Stages two at a time (radix 4), the last one alone when log2(n) is odd, then the scaling.
   (Fusing the scaling into the last pass measured no better here.) */
PORTABLE_INLINE void inverse_portable(const ccc_ntt_tables *t, uint64_t *a, int lazy_output, uint64_t s,
                                      uint64_t s_shoup, const int canon) {
    const uint64_t n = t->n, q = t->mod.q, two_q = 2 * q;
    uint64_t m = n >> 1, gap = 1;
    for (; m >= 2; m >>= 2, gap <<= 2) {
        /* stages (m, gap) and (m/2, 2 gap) */
        const uint64_t g = gap;
        for (uint64_t i = 0; i < (m >> 1); i++) {
            const uint64_t w1 = t->inv[m + 2 * i], ws1 = t->inv_shoup[m + 2 * i];
            const uint64_t w2 = t->inv[m + 2 * i + 1], ws2 = t->inv_shoup[m + 2 * i + 1];
            const uint64_t w3 = t->inv[(m >> 1) + i], ws3 = t->inv_shoup[(m >> 1) + i];
            uint64_t *p = a + 4 * i * g;
            for (uint64_t j = 0; j < g; j++) {
                uint64_t x0 = p[j], x1 = p[j + g], x2 = p[j + 2 * g], x3 = p[j + 3 * g];
                inv_bf(&x0, &x1, w1, ws1, q, two_q);
                inv_bf(&x2, &x3, w2, ws2, q, two_q);
                inv_bf(&x0, &x2, w3, ws3, q, two_q);
                inv_bf(&x1, &x3, w3, ws3, q, two_q);
                p[j] = x0; p[j + g] = x1; p[j + 2 * g] = x2; p[j + 3 * g] = x3;
            }
        }
    }
    if (m == 1) {   /* log2(n) odd: the last stage alone */
        const uint64_t w = t->inv[1], ws = t->inv_shoup[1];
        for (uint64_t j = 0; j < gap; j++) inv_bf(&a[j], &a[j + gap], w, ws, q, two_q);
    }
    for (uint64_t j = 0; j < n; j++) a[j] = scale_out(a[j], s, s_shoup, q, lazy_output, canon);
}

void ccc_ntt_inverse_portable_scaled(const ccc_ntt_tables *t, uint64_t *a, int lazy_output,
                                     uint64_t s, uint64_t s_shoup) {
    if (t->canonical) inverse_portable(t, a, lazy_output, s, s_shoup, 1);
    else inverse_portable(t, a, lazy_output, s, s_shoup, 0);
}

void ccc_ntt_inverse_portable(const ccc_ntt_tables *t, uint64_t *a, int lazy_output) {
    ccc_ntt_inverse_portable_scaled(t, a, lazy_output, t->n_inv, t->n_inv_shoup);
}

/* ---- dispatch ---- */

typedef void (*ntt_fn)(const ccc_ntt_tables *, uint64_t *, int);

static ntt_fn pick(ccc_kernel k, int inverse) {
    switch (k) {
    case CCC_KERNEL_AVX512: return inverse ? ccc_ntt_inverse_avx512 : ccc_ntt_forward_avx512;
    case CCC_KERNEL_AVX2: return inverse ? ccc_ntt_inverse_avx2 : ccc_ntt_forward_avx2;
    default: return inverse ? ccc_ntt_inverse_portable : ccc_ntt_forward_portable;
    }
}

void ccc_ntt_forward(const ccc_ntt_tables *t, uint64_t *a, int lazy_output) {
    pick((ccc_kernel)t->kernel, 0)(t, a, lazy_output);
}

void ccc_ntt_inverse(const ccc_ntt_tables *t, uint64_t *a, int lazy_output) {
    pick((ccc_kernel)t->kernel, 1)(t, a, lazy_output);
}

ccc_status ccc_ntt_forward_kernel(const ccc_ntt_tables *t, uint64_t *a, int lazy_output, ccc_kernel k) {
    if (t == NULL || a == NULL || (unsigned)k > CCC_KERNEL_AVX512_IFMA) return CCC_ERR_INVALID_ARGUMENT;
    if (!(ccc_ntt_supported_kernels(t) & (1u << k))) return CCC_ERR_INVALID_ARGUMENT;
    pick(k, 0)(t, a, lazy_output);
    return CCC_OK;
}

ccc_status ccc_ntt_inverse_kernel(const ccc_ntt_tables *t, uint64_t *a, int lazy_output, ccc_kernel k) {
    if (t == NULL || a == NULL || (unsigned)k > CCC_KERNEL_AVX512_IFMA) return CCC_ERR_INVALID_ARGUMENT;
    if (!(ccc_ntt_supported_kernels(t) & (1u << k))) return CCC_ERR_INVALID_ARGUMENT;
    pick(k, 1)(t, a, lazy_output);
    return CCC_OK;
}

ccc_status ccc_ntt_forward_kernel_scratch(const ccc_ntt_tables *t, uint64_t *a, int lazy_output, ccc_kernel k,
                                          uint64_t *scratch) {
    if (t == NULL || a == NULL || scratch == NULL || (unsigned)k > CCC_KERNEL_AVX512_IFMA) return CCC_ERR_INVALID_ARGUMENT;
    if (!(ccc_ntt_supported_kernels(t) & (1u << k))) return CCC_ERR_INVALID_ARGUMENT;
    if (k == CCC_KERNEL_AVX512) ccc_ntt_forward_avx512_scratch(t, a, lazy_output, scratch);
    else pick(k, 0)(t, a, lazy_output);
    return CCC_OK;
}

ccc_status ccc_ntt_inverse_kernel_scratch(const ccc_ntt_tables *t, uint64_t *a, int lazy_output, ccc_kernel k,
                                          uint64_t *scratch) {
    if (t == NULL || a == NULL || scratch == NULL || (unsigned)k > CCC_KERNEL_AVX512_IFMA) return CCC_ERR_INVALID_ARGUMENT;
    if (!(ccc_ntt_supported_kernels(t) & (1u << k))) return CCC_ERR_INVALID_ARGUMENT;
    if (k == CCC_KERNEL_AVX512) ccc_ntt_inverse_avx512_scratch(t, a, lazy_output, scratch);
    else pick(k, 1)(t, a, lazy_output);
    return CCC_OK;
}

void ccc_ntt_forward_scratch(const ccc_ntt_tables *t, uint64_t *a, int lazy_output, uint64_t *scratch) {
    if (t->kernel == CCC_KERNEL_AVX512) ccc_ntt_forward_avx512_scratch(t, a, lazy_output, scratch);
    else ccc_ntt_forward(t, a, lazy_output);
}

void ccc_ntt_inverse_scratch(const ccc_ntt_tables *t, uint64_t *a, int lazy_output, uint64_t *scratch) {
    if (t->kernel == CCC_KERNEL_AVX512) ccc_ntt_inverse_avx512_scratch(t, a, lazy_output, scratch);
    else ccc_ntt_inverse(t, a, lazy_output);
}

void ccc_ntt_negacyclic_mul(const ccc_ntt_tables *t, uint64_t *out, const uint64_t *a,
                            const uint64_t *b, uint64_t *scratch) {
    const uint64_t n = t->n, q = t->mod.q;
    if (t->kernel == CCC_KERNEL_AVX512 && n >= CCC_NTT_AVX512_MIN_N) {
        ccc_ntt_negacyclic_mul_avx512(t, out, a, b, scratch);
        return;
    }
    memcpy(scratch, b, n * sizeof *scratch);
    if (out != a) memmove(out, a, n * sizeof *out);
    /* Reduced forward transforms, Montgomery pointwise products in [0, 2q) (a factor 2^-64),
       and an inverse whose final scaling by n^-1 * 2^64 removes it. */
    ccc_ntt_forward(t, out, 0);
    ccc_ntt_forward(t, scratch, 0);
    const uint64_t qinv = t->mont_qinv;
    for (uint64_t j = 0; j < n; j++) out[j] = ccc_mont_mul(out[j], scratch[j], q, qinv);
    if (t->kernel == CCC_KERNEL_AVX2)
        ccc_ntt_inverse_avx2_scaled(t, out, 0, t->mont_scale, t->mont_scale_shoup);
    else
        ccc_ntt_inverse_portable_scaled(t, out, 0, t->mont_scale, t->mont_scale_shoup);
}

void ccc_ntt_negacyclic_mul_scratch2(const ccc_ntt_tables *t, uint64_t *out, const uint64_t *a,
                                     const uint64_t *b, uint64_t *scratch2) {
    if (t->kernel == CCC_KERNEL_AVX512 && t->n >= CCC_NTT_AVX512_MIN_N)
        ccc_ntt_negacyclic_mul2_avx512(t, out, a, b, scratch2);
    else
        ccc_ntt_negacyclic_mul(t, out, a, b, scratch2);
}

/* ---- references ---- */

ccc_status ccc_negacyclic_mul_schoolbook(uint64_t *out, const uint64_t *a, const uint64_t *b,
                                         uint64_t n, uint64_t q) {
    ccc_modulus m;
    if (out == NULL || a == NULL || b == NULL || n == 0) return CCC_ERR_INVALID_ARGUMENT;
    if (ccc_modulus_init(&m, q) != CCC_OK) return CCC_ERR_MODULUS_RANGE;
    uint64_t *acc = calloc(n, sizeof *acc);
    if (acc == NULL) return CCC_ERR_OUT_OF_MEMORY;
    for (uint64_t i = 0; i < n; i++) {
        for (uint64_t j = 0; j < n; j++) {
            uint64_t p = ccc_mul_mod(&m, a[i], b[j]);
            uint64_t k = i + j;
            if (k < n) acc[k] = ccc_add_mod(acc[k], p, q);
            else acc[k - n] = ccc_sub_mod(acc[k - n], p, q);
        }
    }
    memcpy(out, acc, n * sizeof *out);
    free(acc);
    return CCC_OK;
}

struct ccc_flint_mulmod {
    nmod_poly_t a, b, f, finv, res;
    uint64_t n;
};

ccc_status ccc_flint_mulmod_create(ccc_flint_mulmod **ctx, const uint64_t *a, const uint64_t *b,
                                   uint64_t n, uint64_t q) {
    if (ctx == NULL || a == NULL || b == NULL || n == 0 || q < 2) return CCC_ERR_INVALID_ARGUMENT;
    ccc_flint_mulmod *c = malloc(sizeof *c);
    if (c == NULL) return CCC_ERR_OUT_OF_MEMORY;
    c->n = n;
    nmod_poly_init(c->a, q); nmod_poly_init(c->b, q); nmod_poly_init(c->f, q);
    nmod_poly_init(c->finv, q); nmod_poly_init(c->res, q);
    for (uint64_t i = 0; i < n; i++) {
        nmod_poly_set_coeff_ui(c->a, i, a[i] % q);
        nmod_poly_set_coeff_ui(c->b, i, b[i] % q);
    }
    nmod_poly_set_coeff_ui(c->f, 0, 1);
    nmod_poly_set_coeff_ui(c->f, n, 1);
    /* finv = inverse of reverse(f) mod x^(deg f), as nmod_poly_mulmod_preinv expects. */
    nmod_poly_reverse(c->finv, c->f, n + 1);
    nmod_poly_inv_series(c->finv, c->finv, n + 1);
    *ctx = c;
    return CCC_OK;
}

void ccc_flint_mulmod_run(ccc_flint_mulmod *c) {
    nmod_poly_mulmod_preinv(c->res, c->a, c->b, c->f, c->finv);
}

void ccc_flint_mul_fold_run(ccc_flint_mulmod *c) {
    nmod_poly_mul(c->res, c->a, c->b);
    const uint64_t n = c->n;
    slong len = nmod_poly_length(c->res);
    mp_limb_t q = c->res->mod.n;
    for (slong i = (slong)n; i < len; i++) {
        mp_limb_t lo = nmod_poly_get_coeff_ui(c->res, i - (slong)n);
        mp_limb_t hi = c->res->coeffs[i];
        c->res->coeffs[i - (slong)n] = lo >= hi ? lo - hi : lo + q - hi;
    }
    if (len > (slong)n) {
        nmod_poly_truncate(c->res, (slong)n);
    }
}

void ccc_flint_mulmod_result(const ccc_flint_mulmod *c, uint64_t *out) {
    for (uint64_t i = 0; i < c->n; i++) out[i] = nmod_poly_get_coeff_ui(c->res, (slong)i);
}

uint64_t ccc_flint_mulmod_n(const ccc_flint_mulmod *c) { return c->n; }

void ccc_flint_mulmod_destroy(ccc_flint_mulmod *c) {
    if (c == NULL) return;
    nmod_poly_clear(c->a); nmod_poly_clear(c->b); nmod_poly_clear(c->f);
    nmod_poly_clear(c->finv); nmod_poly_clear(c->res);
    free(c);
}

ccc_status ccc_flint_negacyclic_mul(uint64_t *out, const uint64_t *a, const uint64_t *b,
                                    uint64_t n, uint64_t q) {
    if (out == NULL) return CCC_ERR_INVALID_ARGUMENT;
    ccc_flint_mulmod *c;
    ccc_status s = ccc_flint_mulmod_create(&c, a, b, n, q);
    if (s != CCC_OK) return s;
    ccc_flint_mulmod_run(c);
    ccc_flint_mulmod_result(c, out);
    ccc_flint_mulmod_destroy(c);
    return CCC_OK;
}
