/*
 * AVX2 negacyclic NTT for q < 2^61: 4 butterflies per 256-bit vector. AVX2 has neither a 64-bit
 * low product nor unsigned 64-bit min, so both are composed from 32x32 products (vpmuludq) and a
 * sign-bit blend, which needs every lazy value below 2^63, i.e. 4q < 2^63. Bit-identical to the
 * portable kernel.
 */
#include "ntt_internal.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>

#define AVX2 __attribute__((target("avx2")))

AVX2 static inline __m256i mulhi64(__m256i a, __m256i b, __m256i b_hi) {
    const __m256i lo32 = _mm256_set1_epi64x(0xffffffffLL);
    __m256i a_hi = _mm256_srli_epi64(a, 32);
    __m256i lolo = _mm256_mul_epu32(a, b);
    __m256i lohi = _mm256_mul_epu32(a, b_hi);
    __m256i hilo = _mm256_mul_epu32(a_hi, b);
    __m256i hihi = _mm256_mul_epu32(a_hi, b_hi);
    __m256i cross = _mm256_add_epi64(_mm256_srli_epi64(lolo, 32), _mm256_and_si256(lohi, lo32));
    cross = _mm256_add_epi64(cross, _mm256_and_si256(hilo, lo32));
    __m256i hi = _mm256_add_epi64(hihi, _mm256_srli_epi64(lohi, 32));
    hi = _mm256_add_epi64(hi, _mm256_srli_epi64(hilo, 32));
    return _mm256_add_epi64(hi, _mm256_srli_epi64(cross, 32));
}

/* Low 64 bits of a * b per lane, b_hi = b >> 32. */
AVX2 static inline __m256i mullo64(__m256i a, __m256i b, __m256i b_hi) {
    __m256i a_hi = _mm256_srli_epi64(a, 32);
    __m256i cross = _mm256_add_epi64(_mm256_mul_epu32(a, b_hi), _mm256_mul_epu32(a_hi, b));
    return _mm256_add_epi64(_mm256_mul_epu32(a, b), _mm256_slli_epi64(cross, 32));
}

AVX2 static inline __m256i mul_shoup_lazy(__m256i y, __m256i w, __m256i w_hi, __m256i ws, __m256i ws_hi,
                                          __m256i q, __m256i q_hi) {
    __m256i quot = mulhi64(y, ws, ws_hi);
    return _mm256_sub_epi64(mullo64(y, w, w_hi), mullo64(quot, q, q_hi));
}

/* x - m if x >= m else x, for x, m < 2^63. */
AVX2 static inline __m256i reduce_once(__m256i x, __m256i m) {
    __m256i y = _mm256_sub_epi64(x, m);
    return _mm256_castpd_si256(_mm256_blendv_pd(_mm256_castsi256_pd(y), _mm256_castsi256_pd(x),
                                                _mm256_castsi256_pd(y)));
}

typedef struct { __m256i q, q_hi, two_q; int canon; } consts;

AVX2 static inline void fwd_bf(__m256i *x, __m256i *y, __m256i w, __m256i ws, const consts *c) {
    __m256i u = reduce_once(*x, c->two_q);
    __m256i v = mul_shoup_lazy(*y, w, _mm256_srli_epi64(w, 32), ws, _mm256_srli_epi64(ws, 32), c->q, c->q_hi);
    *x = _mm256_add_epi64(u, v);
    *y = _mm256_add_epi64(_mm256_sub_epi64(u, v), c->two_q);
}

AVX2 static inline void inv_bf(__m256i *x, __m256i *y, __m256i w, __m256i ws, const consts *c) {
    __m256i u = *x, v = *y;
    *x = reduce_once(_mm256_add_epi64(u, v), c->two_q);
    __m256i d = _mm256_add_epi64(_mm256_sub_epi64(u, v), c->two_q);
    d = mul_shoup_lazy(d, w, _mm256_srli_epi64(w, 32), ws, _mm256_srli_epi64(ws, 32), c->q, c->q_hi);
    *y = d;
}

/* Stages with gap 2 or 1 on blocks of 8 coefficients (two vectors). */
AVX2 static void small_stage(uint64_t *a, uint64_t n, uint64_t m, uint64_t gap, const uint64_t *tw,
                             const uint64_t *tws, int inverse, const consts *c) {
    for (uint64_t j0 = 0, g = 0; j0 < n; j0 += 8, g += 8 / (2 * gap)) {
        __m256i v0 = _mm256_loadu_si256((const __m256i *)(a + j0));
        __m256i v1 = _mm256_loadu_si256((const __m256i *)(a + j0 + 4));
        __m256i x, y, w, ws;
        if (gap == 2) {
            x = _mm256_permute2x128_si256(v0, v1, 0x20);
            y = _mm256_permute2x128_si256(v0, v1, 0x31);
            w = _mm256_setr_epi64x((long long)tw[m + g], (long long)tw[m + g], (long long)tw[m + g + 1], (long long)tw[m + g + 1]);
            ws = _mm256_setr_epi64x((long long)tws[m + g], (long long)tws[m + g], (long long)tws[m + g + 1], (long long)tws[m + g + 1]);
        } else {
            x = _mm256_unpacklo_epi64(v0, v1);   /* x0 x2 x1 x3 */
            y = _mm256_unpackhi_epi64(v0, v1);
            w = _mm256_setr_epi64x((long long)tw[m + g], (long long)tw[m + g + 2], (long long)tw[m + g + 1], (long long)tw[m + g + 3]);
            ws = _mm256_setr_epi64x((long long)tws[m + g], (long long)tws[m + g + 2], (long long)tws[m + g + 1], (long long)tws[m + g + 3]);
        }
        if (inverse) inv_bf(&x, &y, w, ws, c); else fwd_bf(&x, &y, w, ws, c);
        if (gap == 2) {
            v0 = _mm256_permute2x128_si256(x, y, 0x20);
            v1 = _mm256_permute2x128_si256(x, y, 0x31);
        } else {
            v0 = _mm256_unpacklo_epi64(x, y);
            v1 = _mm256_unpackhi_epi64(x, y);
        }
        _mm256_storeu_si256((__m256i *)(a + j0), v0);
        _mm256_storeu_si256((__m256i *)(a + j0 + 4), v1);
    }
}

AVX2 void ccc_ntt_forward_avx2(const ccc_ntt_tables *t, uint64_t *a, int lazy_output) {
    const uint64_t n = t->n;
    if (n < CCC_NTT_AVX2_MIN_N || t->mod.bits > 60) { ccc_ntt_forward_portable(t, a, lazy_output); return; }
    consts c = { _mm256_set1_epi64x((long long)t->mod.q), _mm256_set1_epi64x((long long)(t->mod.q >> 32)),
                 _mm256_set1_epi64x((long long)(2 * t->mod.q)), (int)t->canonical };
    uint64_t gap = n, m = 1;
    for (; m < n; m <<= 1) {
        gap >>= 1;
        if (gap < 4) break;
        for (uint64_t i = 0; i < m; i++) {
            const __m256i w = _mm256_set1_epi64x((long long)t->fwd[m + i]);
            const __m256i ws = _mm256_set1_epi64x((long long)t->fwd_shoup[m + i]);
            uint64_t *x = a + 2 * i * gap, *y = x + gap;
            for (uint64_t j = 0; j < gap; j += 4) {
                __m256i vx = _mm256_loadu_si256((const __m256i *)(x + j));
                __m256i vy = _mm256_loadu_si256((const __m256i *)(y + j));
                fwd_bf(&vx, &vy, w, ws, &c);
                _mm256_storeu_si256((__m256i *)(x + j), vx);
                _mm256_storeu_si256((__m256i *)(y + j), vy);
            }
        }
    }
    for (; m < n; m <<= 1, gap >>= 1) small_stage(a, n, m, gap, t->fwd, t->fwd_shoup, 0, &c);
    if (!lazy_output || c.canon) {
        for (uint64_t j = 0; j < n; j += 4) {
            __m256i v = _mm256_loadu_si256((const __m256i *)(a + j));
            v = reduce_once(reduce_once(v, c.two_q), c.q);
            _mm256_storeu_si256((__m256i *)(a + j), v);
        }
    }
}

AVX2 void ccc_ntt_inverse_avx2(const ccc_ntt_tables *t, uint64_t *a, int lazy_output) {
    ccc_ntt_inverse_avx2_scaled(t, a, lazy_output, t->n_inv, t->n_inv_shoup);
}

AVX2 void ccc_ntt_inverse_avx2_scaled(const ccc_ntt_tables *t, uint64_t *a, int lazy_output,
                                      uint64_t s, uint64_t s_shoup) {
    const uint64_t n = t->n;
    if (n < CCC_NTT_AVX2_MIN_N || t->mod.bits > 60) { ccc_ntt_inverse_portable_scaled(t, a, lazy_output, s, s_shoup); return; }
    consts c = { _mm256_set1_epi64x((long long)t->mod.q), _mm256_set1_epi64x((long long)(t->mod.q >> 32)),
                 _mm256_set1_epi64x((long long)(2 * t->mod.q)), (int)t->canonical };
    uint64_t gap = 1, m = n >> 1;
    for (; gap < 4; m >>= 1, gap <<= 1) small_stage(a, n, m, gap, t->inv, t->inv_shoup, 1, &c);
    for (; m >= 1; m >>= 1, gap <<= 1) {
        for (uint64_t i = 0; i < m; i++) {
            const __m256i w = _mm256_set1_epi64x((long long)t->inv[m + i]);
            const __m256i ws = _mm256_set1_epi64x((long long)t->inv_shoup[m + i]);
            uint64_t *x = a + 2 * i * gap, *y = x + gap;
            for (uint64_t j = 0; j < gap; j += 4) {
                __m256i vx = _mm256_loadu_si256((const __m256i *)(x + j));
                __m256i vy = _mm256_loadu_si256((const __m256i *)(y + j));
                inv_bf(&vx, &vy, w, ws, &c);
                _mm256_storeu_si256((__m256i *)(x + j), vx);
                _mm256_storeu_si256((__m256i *)(y + j), vy);
            }
        }
    }
    const __m256i ninv = _mm256_set1_epi64x((long long)s);
    const __m256i ninv_s = _mm256_set1_epi64x((long long)s_shoup);
    for (uint64_t j = 0; j < n; j += 4) {
        __m256i v = _mm256_loadu_si256((const __m256i *)(a + j));
        v = mul_shoup_lazy(v, ninv, _mm256_srli_epi64(ninv, 32), ninv_s, _mm256_srli_epi64(ninv_s, 32), c.q, c.q_hi);
        if (!lazy_output || c.canon) v = reduce_once(v, c.q);
        _mm256_storeu_si256((__m256i *)(a + j), v);
    }
}

#else
void ccc_ntt_forward_avx2(const ccc_ntt_tables *t, uint64_t *a, int lazy_output) { ccc_ntt_forward_portable(t, a, lazy_output); }
void ccc_ntt_inverse_avx2(const ccc_ntt_tables *t, uint64_t *a, int lazy_output) { ccc_ntt_inverse_portable(t, a, lazy_output); }
void ccc_ntt_inverse_avx2_scaled(const ccc_ntt_tables *t, uint64_t *a, int lazy_output, uint64_t s, uint64_t s_shoup) {
    ccc_ntt_inverse_portable_scaled(t, a, lazy_output, s, s_shoup);
}
#endif
