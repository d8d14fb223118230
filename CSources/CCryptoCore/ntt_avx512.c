/*
 * AVX-512 (F + DQ) negacyclic NTT for any q < 2^62: 8 butterflies per 512-bit vector.
 * The 64x64 -> high-64 product of Shoup's method is computed exactly from four 32x32 products
 * (vpmuludq); the two low products use vpmullq. Stages whose butterfly distance is below 8
 * gather the butterfly operands of two vectors with vpermt2q. Results are bit-identical to the
 * portable kernel (same lazy ranges, same arithmetic).
 */
#include "ntt_internal.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>

#define AVX512 __attribute__((target("avx512f,avx512dq")))

/* High 64 bits of a * b per lane, b given with its high half b_hi = b >> 32 precomputed. */
AVX512 static inline __m512i mulhi64(__m512i a, __m512i b, __m512i b_hi) {
    const __m512i lo32 = _mm512_set1_epi64(0xffffffffLL);
    __m512i a_hi = _mm512_srli_epi64(a, 32);
    __m512i lolo = _mm512_mul_epu32(a, b);
    __m512i lohi = _mm512_mul_epu32(a, b_hi);
    __m512i hilo = _mm512_mul_epu32(a_hi, b);
    __m512i hihi = _mm512_mul_epu32(a_hi, b_hi);
    __m512i cross = _mm512_add_epi64(_mm512_srli_epi64(lolo, 32), _mm512_and_si512(lohi, lo32));
    cross = _mm512_add_epi64(cross, _mm512_and_si512(hilo, lo32));
    __m512i hi = _mm512_add_epi64(hihi, _mm512_srli_epi64(lohi, 32));
    hi = _mm512_add_epi64(hi, _mm512_srli_epi64(hilo, 32));
    return _mm512_add_epi64(hi, _mm512_srli_epi64(cross, 32));
}

/* w * y mod q in [0, 2q) (Shoup, lazy). */
AVX512 static inline __m512i mul_shoup_lazy(__m512i y, __m512i w, __m512i ws, __m512i ws_hi, __m512i q) {
    __m512i quot = mulhi64(y, ws, ws_hi);
    return _mm512_sub_epi64(_mm512_mullo_epi64(w, y), _mm512_mullo_epi64(quot, q));
}

/* x - m if x >= m else x (unsigned, branch free). */
AVX512 static inline __m512i reduce_once(__m512i x, __m512i m) {
    return _mm512_min_epu64(x, _mm512_sub_epi64(x, m));
}

AVX512 static inline void fwd_butterfly(__m512i *x, __m512i *y, __m512i w, __m512i ws, __m512i ws_hi,
                                        __m512i q, __m512i two_q) {
    __m512i u = reduce_once(*x, two_q);
    __m512i v = mul_shoup_lazy(*y, w, ws, ws_hi, q);
    *x = _mm512_add_epi64(u, v);
    *y = _mm512_add_epi64(_mm512_sub_epi64(u, v), two_q);
}

AVX512 static inline void inv_butterfly(__m512i *x, __m512i *y, __m512i w, __m512i ws, __m512i ws_hi,
                                        __m512i q, __m512i two_q) {
    __m512i u = *x, v = *y;
    *x = reduce_once(_mm512_add_epi64(u, v), two_q);
    *y = mul_shoup_lazy(_mm512_add_epi64(_mm512_sub_epi64(u, v), two_q), w, ws, ws_hi, q);
}

/* Lane permutations for the stages with butterfly distance gap = 4, 2, 1 (index 0, 1, 2). */
typedef struct { __m512i x, y, back0, back1, widx; } small_stage;

AVX512 static inline small_stage small_stage_for(uint64_t gap) {
    small_stage s;
    if (gap == 4) {
        s.x = _mm512_setr_epi64(0, 1, 2, 3, 8, 9, 10, 11);
        s.y = _mm512_setr_epi64(4, 5, 6, 7, 12, 13, 14, 15);
        s.back0 = _mm512_setr_epi64(0, 1, 2, 3, 8, 9, 10, 11);
        s.back1 = _mm512_setr_epi64(4, 5, 6, 7, 12, 13, 14, 15);
        s.widx = _mm512_setr_epi64(0, 0, 0, 0, 1, 1, 1, 1);
    } else if (gap == 2) {
        s.x = _mm512_setr_epi64(0, 1, 4, 5, 8, 9, 12, 13);
        s.y = _mm512_setr_epi64(2, 3, 6, 7, 10, 11, 14, 15);
        s.back0 = _mm512_setr_epi64(0, 1, 8, 9, 2, 3, 10, 11);
        s.back1 = _mm512_setr_epi64(4, 5, 12, 13, 6, 7, 14, 15);
        s.widx = _mm512_setr_epi64(0, 0, 1, 1, 2, 2, 3, 3);
    } else {
        s.x = _mm512_setr_epi64(0, 2, 4, 6, 8, 10, 12, 14);
        s.y = _mm512_setr_epi64(1, 3, 5, 7, 9, 11, 13, 15);
        s.back0 = _mm512_setr_epi64(0, 8, 1, 9, 2, 10, 3, 11);
        s.back1 = _mm512_setr_epi64(4, 12, 5, 13, 6, 14, 7, 15);
        s.widx = _mm512_setr_epi64(0, 1, 2, 3, 4, 5, 6, 7);
    }
    return s;
}

/* One stage with gap < 8 over the whole array: m groups, twiddles tw[m + g]. */
AVX512 static inline void small_stage_run(uint64_t *a, uint64_t n, uint64_t m, uint64_t gap,
                                          const uint64_t *tw, const uint64_t *tws, int inverse,
                                          __m512i q, __m512i two_q) {
    const small_stage s = small_stage_for(gap);
    const uint64_t groups_per_block = 16 / (2 * gap);
    for (uint64_t j0 = 0, g = 0; j0 < n; j0 += 16, g += groups_per_block) {
        __m512i v0 = _mm512_loadu_si512((const void *)(a + j0));
        __m512i v1 = _mm512_loadu_si512((const void *)(a + j0 + 8));
        __m512i x = _mm512_permutex2var_epi64(v0, s.x, v1);
        __m512i y = _mm512_permutex2var_epi64(v0, s.y, v1);
        __m512i w = _mm512_permutexvar_epi64(s.widx, _mm512_loadu_si512((const void *)(tw + m + g)));
        __m512i ws = _mm512_permutexvar_epi64(s.widx, _mm512_loadu_si512((const void *)(tws + m + g)));
        __m512i ws_hi = _mm512_srli_epi64(ws, 32);
        if (inverse) inv_butterfly(&x, &y, w, ws, ws_hi, q, two_q);
        else fwd_butterfly(&x, &y, w, ws, ws_hi, q, two_q);
        _mm512_storeu_si512((void *)(a + j0), _mm512_permutex2var_epi64(x, s.back0, y));
        _mm512_storeu_si512((void *)(a + j0 + 8), _mm512_permutex2var_epi64(x, s.back1, y));
    }
}

AVX512 void ccc_ntt_forward_avx512(const ccc_ntt_tables *t, uint64_t *a, int lazy_output) {
    const uint64_t n = t->n;
    if (n < CCC_NTT_AVX512_MIN_N) { ccc_ntt_forward_portable(t, a, lazy_output); return; }
    const __m512i q = _mm512_set1_epi64((long long)t->mod.q);
    const __m512i two_q = _mm512_set1_epi64((long long)(2 * t->mod.q));
    uint64_t gap = n;
    uint64_t m = 1;
    for (; m < n; m <<= 1) {
        gap >>= 1;
        if (gap < 8) break;
        for (uint64_t i = 0; i < m; i++) {
            const __m512i w = _mm512_set1_epi64((long long)t->fwd[m + i]);
            const __m512i ws = _mm512_set1_epi64((long long)t->fwd_shoup[m + i]);
            const __m512i ws_hi = _mm512_srli_epi64(ws, 32);
            uint64_t *x = a + 2 * i * gap, *y = x + gap;
            for (uint64_t j = 0; j < gap; j += 8) {
                __m512i vx = _mm512_loadu_si512((const void *)(x + j));
                __m512i vy = _mm512_loadu_si512((const void *)(y + j));
                fwd_butterfly(&vx, &vy, w, ws, ws_hi, q, two_q);
                _mm512_storeu_si512((void *)(x + j), vx);
                _mm512_storeu_si512((void *)(y + j), vy);
            }
        }
    }
    for (; m < n; m <<= 1, gap >>= 1)
        small_stage_run(a, n, m, gap, t->fwd, t->fwd_shoup, 0, q, two_q);
    if (!lazy_output) {
        for (uint64_t j = 0; j < n; j += 8) {
            __m512i v = _mm512_loadu_si512((const void *)(a + j));
            v = reduce_once(reduce_once(v, two_q), q);
            _mm512_storeu_si512((void *)(a + j), v);
        }
    }
}

AVX512 void ccc_ntt_inverse_avx512(const ccc_ntt_tables *t, uint64_t *a, int lazy_output) {
    const uint64_t n = t->n;
    if (n < CCC_NTT_AVX512_MIN_N) { ccc_ntt_inverse_portable(t, a, lazy_output); return; }
    const __m512i q = _mm512_set1_epi64((long long)t->mod.q);
    const __m512i two_q = _mm512_set1_epi64((long long)(2 * t->mod.q));
    uint64_t gap = 1;
    uint64_t m = n >> 1;
    for (; gap < 8; m >>= 1, gap <<= 1)
        small_stage_run(a, n, m, gap, t->inv, t->inv_shoup, 1, q, two_q);
    for (; m >= 1; m >>= 1, gap <<= 1) {
        for (uint64_t i = 0; i < m; i++) {
            const __m512i w = _mm512_set1_epi64((long long)t->inv[m + i]);
            const __m512i ws = _mm512_set1_epi64((long long)t->inv_shoup[m + i]);
            const __m512i ws_hi = _mm512_srli_epi64(ws, 32);
            uint64_t *x = a + 2 * i * gap, *y = x + gap;
            for (uint64_t j = 0; j < gap; j += 8) {
                __m512i vx = _mm512_loadu_si512((const void *)(x + j));
                __m512i vy = _mm512_loadu_si512((const void *)(y + j));
                inv_butterfly(&vx, &vy, w, ws, ws_hi, q, two_q);
                _mm512_storeu_si512((void *)(x + j), vx);
                _mm512_storeu_si512((void *)(y + j), vy);
            }
        }
    }
    const __m512i ninv = _mm512_set1_epi64((long long)t->n_inv);
    const __m512i ninv_s = _mm512_set1_epi64((long long)t->n_inv_shoup);
    const __m512i ninv_s_hi = _mm512_srli_epi64(ninv_s, 32);
    for (uint64_t j = 0; j < n; j += 8) {
        __m512i v = mul_shoup_lazy(_mm512_loadu_si512((const void *)(a + j)), ninv, ninv_s, ninv_s_hi, q);
        if (!lazy_output) v = reduce_once(v, q);
        _mm512_storeu_si512((void *)(a + j), v);
    }
}

#else  /* not x86-64: never selected (ccc_cpu_kernels reports no AVX-512) */
void ccc_ntt_forward_avx512(const ccc_ntt_tables *t, uint64_t *a, int lazy_output) { ccc_ntt_forward_portable(t, a, lazy_output); }
void ccc_ntt_inverse_avx512(const ccc_ntt_tables *t, uint64_t *a, int lazy_output) { ccc_ntt_inverse_portable(t, a, lazy_output); }
#endif
