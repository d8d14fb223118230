/*
 * AVX-512 (F + DQ) negacyclic NTT for any q < 2^62: 8 butterflies per 512-bit vector.
 *
 * q < 2^50: double-precision kernel (below). Every value of the transform is an integer below
 * 4q < 2^52, so it is exact in a double; the coefficients are converted once on the way in and
 * once on the way out. The products w*y mod q (in [0, 2q), or [0, q) at the end) are computed
 * exactly with FMA. Outputs are fully reduced, so they equal every other kernel's.
 *
 * q >= 2^50: 64-bit integer kernel. The 64x64 -> high-64 product of Shoup's method is computed
 * exactly from four 32x32 products (vpmuludq); the two low products use vpmullq. Results are
 * bit-identical to the portable kernel (same lazy ranges, same arithmetic).
 *
 * Both kernels do the stages with butterfly distance >= 8 two at a time (radix-4 passes, one
 * radix-2 pass when their number is odd) and the three stages with distance 4, 2, 1 in one pass
 * over blocks of 16 coefficients held in two registers (operands gathered with vpermt2q/pd,
 * several blocks interleaved to hide latency); conversions, the final reduction and the inverse
 * scaling are fused into the first/last passes. Measured on a Cascade Lake VM (n = 8192):
 * forward 2.8 -> 1.3 cycles/butterfly for q < 2^50, about 2.7-3.0 for 60-bit q (multiplier-bound).
 */
#include "ntt_internal.h"
#include <string.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>

#define AVX512 __attribute__((target("avx512f,avx512dq")))
#define SMALL_U_INT 4

/* w/q rounded down to a multiple of 2^-53, for w < q. */
static double ratio_down_fp(uint64_t w, uint64_t q) {
    return (double)(uint64_t)(((ccc_u128)w << 53) / q) * 0x1p-53;
}

/* 1/q rounded down to 53 significant bits, for 2 < q < 2^62. */
static double recip_down_fp(uint64_t q) {
    int e = 64 - __builtin_clzll(q);                 /* 2^(e-1) <= q < 2^e */
    uint64_t mant = (uint64_t)(((ccc_u128)1 << (52 + e)) / q);   /* in (2^52, 2^53] */
    return __builtin_ldexp((double)mant, -(52 + e));
}

/* High 64 bits of a * b per lane, b given with its high half b_hi = b >> 32 precomputed.
   With a = ah*2^32 + al, b = bh*2^32 + bl: t = (al*bl >> 32) + al*bh < 2^64 and
   t2 = (t mod 2^32) + ah*bl < 2^64, so hi = ah*bh + (t >> 32) + (t2 >> 32) exactly. */
AVX512 static inline __m512i mulhi64(__m512i a, __m512i b, __m512i b_hi) {
    const __m512i lo32 = _mm512_set1_epi64(0xffffffffLL);
    __m512i a_hi = _mm512_srli_epi64(a, 32);
    __m512i t = _mm512_add_epi64(_mm512_srli_epi64(_mm512_mul_epu32(a, b), 32), _mm512_mul_epu32(a, b_hi));
    __m512i t2 = _mm512_add_epi64(_mm512_and_si512(t, lo32), _mm512_mul_epu32(a_hi, b));
    __m512i hi = _mm512_add_epi64(_mm512_mul_epu32(a_hi, b_hi), _mm512_srli_epi64(t, 32));
    return _mm512_add_epi64(hi, _mm512_srli_epi64(t2, 32));
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

#define INTK static inline __attribute__((always_inline, target("avx512f,avx512dq")))

/* Radix-2 stage with gap >= 8 (m groups). */
INTK void int_big_stage(uint64_t *a, const uint64_t *src, uint64_t m, uint64_t gap, const uint64_t *tw,
                        const uint64_t *tws, const int inverse, __m512i q, __m512i two_q) {
    for (uint64_t i = 0; i < m; i++) {
        const __m512i w = _mm512_set1_epi64((long long)tw[m + i]);
        const __m512i ws = _mm512_set1_epi64((long long)tws[m + i]);
        const __m512i ws_hi = _mm512_srli_epi64(ws, 32);
        uint64_t *x = a + 2 * i * gap, *y = x + gap;
        const uint64_t *sx = src + 2 * i * gap, *sy = sx + gap;
        for (uint64_t j = 0; j < gap; j += 8) {
            __m512i vx = _mm512_loadu_si512((const void *)(sx + j));
            __m512i vy = _mm512_loadu_si512((const void *)(sy + j));
            if (inverse) inv_butterfly(&vx, &vy, w, ws, ws_hi, q, two_q);
            else fwd_butterfly(&vx, &vy, w, ws, ws_hi, q, two_q);
            _mm512_storeu_si512((void *)(x + j), vx);
            _mm512_storeu_si512((void *)(y + j), vy);
        }
    }
}

/* Two stages in one pass, as fp_radix4_stage (same butterflies, same values). */
INTK void int_radix4_stage(uint64_t *a, const uint64_t *src, uint64_t m, uint64_t g, const uint64_t *tw,
                           const uint64_t *tws, const int inverse, __m512i q, __m512i two_q) {
    for (uint64_t i = 0; i < m; i++) {
        const __m512i w1 = _mm512_set1_epi64((long long)tw[m + i]);
        const __m512i w1s = _mm512_set1_epi64((long long)tws[m + i]);
        const __m512i w2 = _mm512_set1_epi64((long long)tw[2 * m + 2 * i]);
        const __m512i w2s = _mm512_set1_epi64((long long)tws[2 * m + 2 * i]);
        const __m512i w3 = _mm512_set1_epi64((long long)tw[2 * m + 2 * i + 1]);
        const __m512i w3s = _mm512_set1_epi64((long long)tws[2 * m + 2 * i + 1]);
        const __m512i w1h = _mm512_srli_epi64(w1s, 32), w2h = _mm512_srli_epi64(w2s, 32), w3h = _mm512_srli_epi64(w3s, 32);
        uint64_t *p0 = a + 4 * i * g, *p1 = p0 + g, *p2 = p1 + g, *p3 = p2 + g;
        const uint64_t *s0 = src + 4 * i * g, *s1 = s0 + g, *s2 = s1 + g, *s3 = s2 + g;
        for (uint64_t j = 0; j < g; j += 8) {
            __m512i x0 = _mm512_loadu_si512((const void *)(s0 + j)), x1 = _mm512_loadu_si512((const void *)(s1 + j));
            __m512i x2 = _mm512_loadu_si512((const void *)(s2 + j)), x3 = _mm512_loadu_si512((const void *)(s3 + j));
            if (inverse) {
                inv_butterfly(&x0, &x1, w2, w2s, w2h, q, two_q);
                inv_butterfly(&x2, &x3, w3, w3s, w3h, q, two_q);
                inv_butterfly(&x0, &x2, w1, w1s, w1h, q, two_q);
                inv_butterfly(&x1, &x3, w1, w1s, w1h, q, two_q);
            } else {
                fwd_butterfly(&x0, &x2, w1, w1s, w1h, q, two_q);
                fwd_butterfly(&x1, &x3, w1, w1s, w1h, q, two_q);
                fwd_butterfly(&x0, &x1, w2, w2s, w2h, q, two_q);
                fwd_butterfly(&x2, &x3, w3, w3s, w3h, q, two_q);
            }
            _mm512_storeu_si512((void *)(p0 + j), x0); _mm512_storeu_si512((void *)(p1 + j), x1);
            _mm512_storeu_si512((void *)(p2 + j), x2); _mm512_storeu_si512((void *)(p3 + j), x3);
        }
    }
}

/* Stages with gaps 4, 2, 1 (forward; reduce: outputs to [0, q)) or 1, 2, 4 (inverse) in one pass
   over blocks of 16 coefficients, u blocks interleaved (lane layouts as in fp_small3_u). */
INTK void int_small3_u(uint64_t *a, const uint64_t *src, uint64_t n, const uint64_t *tw, const uint64_t *tws,
                       const int inverse, const int reduce, __m512i q, __m512i two_q, const uint64_t u) {
    const uint64_t m1 = n >> 1, m2 = n >> 2, m4 = n >> 3;
    const __m512i ev = _mm512_setr_epi64(0, 2, 4, 6, 8, 10, 12, 14);
    const __m512i od = _mm512_setr_epi64(1, 3, 5, 7, 9, 11, 13, 15);
    const __m512i p2x = _mm512_setr_epi64(0, 1, 8, 9, 4, 5, 12, 13);
    const __m512i p2y = _mm512_setr_epi64(2, 3, 10, 11, 6, 7, 14, 15);
    const __m512i p1x = _mm512_setr_epi64(0, 8, 2, 10, 4, 12, 6, 14);
    const __m512i p1y = _mm512_setr_epi64(1, 9, 3, 11, 5, 13, 7, 15);
    const __m512i lo4 = _mm512_setr_epi64(0, 1, 2, 3, 8, 9, 10, 11);
    const __m512i hi4 = _mm512_setr_epi64(4, 5, 6, 7, 12, 13, 14, 15);
    const __m512i b0 = _mm512_setr_epi64(0, 8, 1, 9, 2, 10, 3, 11);
    const __m512i b1 = _mm512_setr_epi64(4, 12, 5, 13, 6, 14, 7, 15);
    const __m512i w4idx = _mm512_setr_epi64(0, 0, 0, 0, 1, 1, 1, 1);
    const __m512i w2idx = _mm512_setr_epi64(0, 0, 1, 1, 2, 2, 3, 3);
    for (uint64_t j0 = 0, blk = 0; j0 < n; j0 += 16 * u, blk += u) {
        __m512i x[SMALL_U_INT], y[SMALL_U_INT];
        for (uint64_t k = 0; k < u; k++) {
            __m512i v0 = _mm512_loadu_si512((const void *)(src + j0 + 16 * k));
            __m512i v1 = _mm512_loadu_si512((const void *)(src + j0 + 16 * k + 8));
            x[k] = _mm512_permutex2var_epi64(v0, inverse ? ev : lo4, v1);
            y[k] = _mm512_permutex2var_epi64(v0, inverse ? od : hi4, v1);
        }
#define TW4(k) _mm512_permutexvar_epi64(w4idx, _mm512_castsi128_si512(_mm_loadu_si128((const __m128i *)(tw + m4 + 2 * (blk + k))))), \
               _mm512_permutexvar_epi64(w4idx, _mm512_castsi128_si512(_mm_loadu_si128((const __m128i *)(tws + m4 + 2 * (blk + k)))))
#define TW2(k) _mm512_permutexvar_epi64(w2idx, _mm512_castsi256_si512(_mm256_loadu_si256((const __m256i *)(tw + m2 + 4 * (blk + k))))), \
               _mm512_permutexvar_epi64(w2idx, _mm512_castsi256_si512(_mm256_loadu_si256((const __m256i *)(tws + m2 + 4 * (blk + k)))))
#define TW1(k) _mm512_loadu_si512((const void *)(tw + m1 + 8 * (blk + k))), _mm512_loadu_si512((const void *)(tws + m1 + 8 * (blk + k)))
#define BF(k, TW) do { __m512i tw_[2] = { TW(k) }; \
            if (inverse) inv_butterfly(&x[k], &y[k], tw_[0], tw_[1], _mm512_srli_epi64(tw_[1], 32), q, two_q); \
            else fwd_butterfly(&x[k], &y[k], tw_[0], tw_[1], _mm512_srli_epi64(tw_[1], 32), q, two_q); } while (0)
#define PERM(k, ix, iy) do { __m512i t_ = _mm512_permutex2var_epi64(x[k], ix, y[k]); \
            y[k] = _mm512_permutex2var_epi64(x[k], iy, y[k]); x[k] = t_; } while (0)
        if (!inverse) {
            for (uint64_t k = 0; k < u; k++) BF(k, TW4);
            for (uint64_t k = 0; k < u; k++) PERM(k, p2x, p2y);
            for (uint64_t k = 0; k < u; k++) BF(k, TW2);
            for (uint64_t k = 0; k < u; k++) PERM(k, p1x, p1y);
            for (uint64_t k = 0; k < u; k++) BF(k, TW1);
            for (uint64_t k = 0; k < u; k++) {
                __m512i v0 = _mm512_permutex2var_epi64(x[k], b0, y[k]);
                __m512i v1 = _mm512_permutex2var_epi64(x[k], b1, y[k]);
                if (reduce) {
                    v0 = reduce_once(reduce_once(v0, two_q), q);
                    v1 = reduce_once(reduce_once(v1, two_q), q);
                }
                _mm512_storeu_si512((void *)(a + j0 + 16 * k), v0);
                _mm512_storeu_si512((void *)(a + j0 + 16 * k + 8), v1);
            }
        } else {
            for (uint64_t k = 0; k < u; k++) BF(k, TW1);
            for (uint64_t k = 0; k < u; k++) PERM(k, p1x, p1y);
            for (uint64_t k = 0; k < u; k++) BF(k, TW2);
            for (uint64_t k = 0; k < u; k++) PERM(k, p2x, p2y);
            for (uint64_t k = 0; k < u; k++) BF(k, TW4);
            for (uint64_t k = 0; k < u; k++) {
                _mm512_storeu_si512((void *)(a + j0 + 16 * k), _mm512_permutex2var_epi64(x[k], lo4, y[k]));
                _mm512_storeu_si512((void *)(a + j0 + 16 * k + 8), _mm512_permutex2var_epi64(x[k], hi4, y[k]));
            }
        }
#undef TW4
#undef TW2
#undef TW1
#undef BF
#undef PERM
    }
}

INTK void int_small3(uint64_t *a, const uint64_t *src, uint64_t n, const uint64_t *tw, const uint64_t *tws,
                     const int inverse, const int reduce, __m512i q, __m512i two_q) {
    if (n >= 16 * SMALL_U_INT) int_small3_u(a, src, n, tw, tws, inverse, reduce, q, two_q, SMALL_U_INT);
    else int_small3_u(a, src, n, tw, tws, inverse, reduce, q, two_q, 1);
}

/* Integer kernel (q >= 2^50): radix-4 passes, the three small stages in one pass (with the final
   reduction), the inverse scaling fused into the last stage (Shoup-lazy products by s of the
   stage outputs, exactly the separate pass's values). */
/* Forward transform: the first pass reads src, the passes run in a, the last pass writes out
   (all three equal: in place). */
AVX512 static void forward_int(const ccc_ntt_tables *t, uint64_t *a, const uint64_t *src, uint64_t *out,
                               int lazy_output) {
    const uint64_t n = t->n;
    const __m512i q = _mm512_set1_epi64((long long)t->mod.q);
    const __m512i two_q = _mm512_set1_epi64((long long)(2 * t->mod.q));
    uint64_t m = 1, gap = n >> 1;
    if ((t->log_n - 3) & 1) {
        int_big_stage(a, src, m, gap, t->fwd, t->fwd_shoup, 0, q, two_q);
        m <<= 1; gap >>= 1;
    } else {
        int_radix4_stage(a, src, m, gap >> 1, t->fwd, t->fwd_shoup, 0, q, two_q);
        m <<= 2; gap >>= 2;
    }
    for (; gap >= 16; m <<= 2, gap >>= 2)
        int_radix4_stage(a, a, m, gap >> 1, t->fwd, t->fwd_shoup, 0, q, two_q);
    if (lazy_output) int_small3(out, a, n, t->fwd, t->fwd_shoup, 0, 0, q, two_q);
    else int_small3(out, a, n, t->fwd, t->fwd_shoup, 0, 1, q, two_q);
}

/* Inverse: the first pass reads src, the passes run in a, the last pass writes dst. */
AVX512 static void inverse_int(const ccc_ntt_tables *t, uint64_t *a, uint64_t *dst, const uint64_t *src,
                               int lazy_output, uint64_t s, uint64_t s_shoup) {
    const uint64_t n = t->n;
    const __m512i q = _mm512_set1_epi64((long long)t->mod.q);
    const __m512i two_q = _mm512_set1_epi64((long long)(2 * t->mod.q));
    int_small3(a, src, n, t->inv, t->inv_shoup, 1, 0, q, two_q);
    uint64_t m = n >> 4, gap = 8;
    if ((t->log_n - 4) & 1) {
        int_big_stage(a, a, m, gap, t->inv, t->inv_shoup, 1, q, two_q);
        m >>= 1; gap <<= 1;
    }
    for (; m >= 4; m >>= 2, gap <<= 2)
        int_radix4_stage(a, a, m >> 1, gap, t->inv, t->inv_shoup, 1, q, two_q);
    /* last stage (m = 1, gap = n/2) with the scaling */
    const __m512i w = _mm512_set1_epi64((long long)t->inv[1]);
    const __m512i ws = _mm512_set1_epi64((long long)t->inv_shoup[1]);
    const __m512i ws_hi = _mm512_srli_epi64(ws, 32);
    const __m512i vs = _mm512_set1_epi64((long long)s);
    const __m512i vss = _mm512_set1_epi64((long long)s_shoup);
    const __m512i vss_hi = _mm512_srli_epi64(vss, 32);
    uint64_t *x = a, *y = a + gap, *dx = dst, *dy = dst + gap;
    for (uint64_t j = 0; j < gap; j += 8) {
        __m512i vx = _mm512_loadu_si512((const void *)(x + j));
        __m512i vy = _mm512_loadu_si512((const void *)(y + j));
        inv_butterfly(&vx, &vy, w, ws, ws_hi, q, two_q);
        vx = mul_shoup_lazy(vx, vs, vss, vss_hi, q);
        vy = mul_shoup_lazy(vy, vs, vss, vss_hi, q);
        if (!lazy_output) { vx = reduce_once(vx, q); vy = reduce_once(vy, q); }
        _mm512_storeu_si512((void *)(dx + j), vx);
        _mm512_storeu_si512((void *)(dy + j), vy);
    }
}

/* ======================= double-precision kernel, q < 2^50 ======================= */

#define FPK static inline __attribute__((always_inline, target("avx512f,avx512dq")))
#define RD_ (_MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC)

typedef struct { __m512d q, two_q, M, qinv; } fpc;

/*
 * w*y mod q in [0, q) for integers y < 2^52 and w < q < 2^50, wq = w/q rounded down to a
 * multiple of 2^-53 (0 <= w/q - wq < 2^-53). Exactness:
 *   h = fl(y*w) and l = y*w - h exactly (FMA), |l| <= ulp(h)/2 <= 2^49;
 *   k = floor(y*wq): the FMA adds M = 2^52 and rounds down, and y*wq < 2^52, so the sum lies in
 *       [2^52, 2^53) where doubles are the integers: k is exact. Since 0 <= y*w/q - y*wq
 *       < 2^52 * 2^-53 = 1/2, k is floor(y*w/q) or one less, so y*w - k*q lies in [0, 2q);
 *   h - k*q = (y*w - k*q) - l is an integer of magnitude < 2^51 + 2^49 < 2^53: the fused
 *       negative multiply-add is exact, and so is adding l back. One conditional subtraction.
 */
FPK __m512d fp_mulmod(__m512d y, __m512d w, __m512d wq, const fpc *c) {
    __m512d h = _mm512_mul_pd(y, w);
    __m512d l = _mm512_fmsub_pd(y, w, h);
    __m512d k = _mm512_sub_pd(_mm512_fmadd_round_pd(y, wq, c->M, RD_), c->M);
    __m512d r = _mm512_add_pd(_mm512_fnmadd_pd(k, c->q, h), l);
    return _mm512_mask_sub_pd(r, _mm512_cmp_pd_mask(r, c->q, _CMP_GE_OQ), r, c->q);
}

/* The same without the final correction: w*y mod q in [0, 2q). */
FPK __m512d fp_mulmod_lazy(__m512d y, __m512d w, __m512d wq, const fpc *c) {
    __m512d h = _mm512_mul_pd(y, w);
    __m512d l = _mm512_fmsub_pd(y, w, h);
    __m512d k = _mm512_sub_pd(_mm512_fmadd_round_pd(y, wq, c->M, RD_), c->M);
    return _mm512_add_pd(_mm512_fnmadd_pd(k, c->q, h), l);
}

FPK __m512d fp_sub_if_ge(__m512d x, __m512d m) {
    return _mm512_mask_sub_pd(x, _mm512_cmp_pd_mask(x, m, _CMP_GE_OQ), x, m);
}

FPK void fp_fwd_bf(__m512d *x, __m512d *y, __m512d w, __m512d wq, const fpc *c) {
    __m512d u = fp_sub_if_ge(*x, c->two_q);                    /* [0, 2q) */
    __m512d v = fp_mulmod_lazy(*y, w, wq, c);                  /* [0, 2q) */
    *x = _mm512_add_pd(u, v);                                  /* [0, 4q) */
    *y = _mm512_sub_pd(_mm512_add_pd(u, c->two_q), v);         /* (0, 4q) */
}

FPK void fp_inv_bf(__m512d *x, __m512d *y, __m512d w, __m512d wq, const fpc *c) {
    __m512d u = *x, v = *y;
    *x = fp_sub_if_ge(_mm512_add_pd(u, v), c->two_q);
    *y = fp_mulmod_lazy(_mm512_sub_pd(_mm512_add_pd(u, c->two_q), v), w, wq, c);
}

/* x*y mod q in [0, 2q) for x, y in [0, q): as fp_mulmod with w = x and wq = x*qinv rounded down;
   0 <= x/q - wq < 2^-51 * x/q (two roundings down of relative size < 2^-52), so y*wq is within
   y*2^-51 < 1/2 below x*y/q and the quotient is exact or one short. */
FPK __m512d fp_pointwise(__m512d x, __m512d y, const fpc *c) {
    __m512d xq = _mm512_mul_round_pd(x, c->qinv, RD_);
    __m512d h = _mm512_mul_pd(x, y);
    __m512d l = _mm512_fmsub_pd(x, y, h);
    __m512d k = _mm512_sub_pd(_mm512_fmadd_round_pd(y, xq, c->M, RD_), c->M);
    return _mm512_add_pd(_mm512_fnmadd_pd(k, c->q, h), l);
}

/* Loads/stores: integer arrays are converted (values < 2^52 are exact either way). */
FPK __m512d fp_load(const uint64_t *p, const int from_int) {
    return from_int ? _mm512_cvtepu64_pd(_mm512_loadu_si512((const void *)p))
                    : _mm512_loadu_pd((const double *)p);
}

enum { OUT_DBL = 0, OUT_INT = 1, OUT_INT_REDUCED = 2, OUT_DBL_REDUCED = 3 };

/* Forward outputs are < 4q; OUT_*_REDUCED reduce them to [0, q). */
FPK void fp_store(uint64_t *p, __m512d v, const int mode, const fpc *c) {
    if (mode == OUT_INT_REDUCED || mode == OUT_DBL_REDUCED) {
        v = fp_sub_if_ge(v, c->two_q);
        v = fp_sub_if_ge(v, c->q);
    }
    if (mode == OUT_INT || mode == OUT_INT_REDUCED)
        _mm512_storeu_si512((void *)p, _mm512_cvttpd_epu64(v));
    else
        _mm512_storeu_pd((double *)p, v);
}

/* A stage with gap >= 8: m groups with twiddles tw[m + i]. */
FPK void fp_big_stage(uint64_t *a, const uint64_t *src, uint64_t m, uint64_t gap, const double *tw,
                      const double *twq, const int inverse, const int from_int, const int out_mode,
                      const fpc *c) {
    for (uint64_t i = 0; i < m; i++) {
        const __m512d w = _mm512_set1_pd(tw[m + i]), wq = _mm512_set1_pd(twq[m + i]);
        uint64_t *x = a + 2 * i * gap, *y = x + gap;
        const uint64_t *sx = src + 2 * i * gap, *sy = sx + gap;
        for (uint64_t j = 0; j < gap; j += 8) {
            __m512d vx = fp_load(sx + j, from_int), vy = fp_load(sy + j, from_int);
            if (inverse) fp_inv_bf(&vx, &vy, w, wq, c); else fp_fwd_bf(&vx, &vy, w, wq, c);
            fp_store(x + j, vx, out_mode, c);
            fp_store(y + j, vy, out_mode, c);
        }
    }
}

/* Two stages with gaps 2g and g (g >= 8) in one pass: for each of the m groups of 4g
   coefficients, x0..x3 at offsets 0, g, 2g, 3g. Forward: stage (m, 2g) then (2m, g).
   Inverse: stage (2m, g) then (m, 2g). Same butterflies, same values as two radix-2 passes. */
FPK void fp_radix4_stage(uint64_t *a, const uint64_t *src, uint64_t m, uint64_t g, const double *tw,
                         const double *twq, const int inverse, const int from_int, const fpc *c) {
    for (uint64_t i = 0; i < m; i++) {
        const __m512d w1 = _mm512_set1_pd(tw[m + i]), w1q = _mm512_set1_pd(twq[m + i]);
        const __m512d w2 = _mm512_set1_pd(tw[2 * m + 2 * i]), w2q = _mm512_set1_pd(twq[2 * m + 2 * i]);
        const __m512d w3 = _mm512_set1_pd(tw[2 * m + 2 * i + 1]), w3q = _mm512_set1_pd(twq[2 * m + 2 * i + 1]);
        uint64_t *p0 = a + 4 * i * g, *p1 = p0 + g, *p2 = p1 + g, *p3 = p2 + g;
        const uint64_t *s0 = src + 4 * i * g, *s1 = s0 + g, *s2 = s1 + g, *s3 = s2 + g;
        for (uint64_t j = 0; j < g; j += 8) {
            __m512d x0 = fp_load(s0 + j, from_int), x1 = fp_load(s1 + j, from_int);
            __m512d x2 = fp_load(s2 + j, from_int), x3 = fp_load(s3 + j, from_int);
            if (inverse) {
                fp_inv_bf(&x0, &x1, w2, w2q, c);
                fp_inv_bf(&x2, &x3, w3, w3q, c);
                fp_inv_bf(&x0, &x2, w1, w1q, c);
                fp_inv_bf(&x1, &x3, w1, w1q, c);
            } else {
                fp_fwd_bf(&x0, &x2, w1, w1q, c);
                fp_fwd_bf(&x1, &x3, w1, w1q, c);
                fp_fwd_bf(&x0, &x1, w2, w2q, c);
                fp_fwd_bf(&x2, &x3, w3, w3q, c);
            }
            fp_store(p0 + j, x0, OUT_DBL, c);
            fp_store(p1 + j, x1, OUT_DBL, c);
            fp_store(p2 + j, x2, OUT_DBL, c);
            fp_store(p3 + j, x3, OUT_DBL, c);
        }
    }
}

/* The three stages with gaps 4, 2, 1 (forward) or 1, 2, 4 (inverse) in one pass over blocks of
   16 coefficients kept in two registers; U blocks are interleaved to overlap their latency. */
#define SMALL_U 4
FPK void fp_small3_u(uint64_t *a, const uint64_t *src, uint64_t n, const double *tw, const double *twq,
                     const int inverse, const int from_int, const int out_mode, const fpc *c,
                     const uint64_t u, const double *pw) {
    const uint64_t m1 = n >> 1, m2 = n >> 2, m4 = n >> 3;
    const __m512i ev = _mm512_setr_epi64(0, 2, 4, 6, 8, 10, 12, 14);
    const __m512i od = _mm512_setr_epi64(1, 3, 5, 7, 9, 11, 13, 15);
    const __m512i p2x = _mm512_setr_epi64(0, 1, 8, 9, 4, 5, 12, 13);
    const __m512i p2y = _mm512_setr_epi64(2, 3, 10, 11, 6, 7, 14, 15);
    const __m512i p1x = _mm512_setr_epi64(0, 8, 2, 10, 4, 12, 6, 14);
    const __m512i p1y = _mm512_setr_epi64(1, 9, 3, 11, 5, 13, 7, 15);
    const __m512i lo4 = _mm512_setr_epi64(0, 1, 2, 3, 8, 9, 10, 11);
    const __m512i hi4 = _mm512_setr_epi64(4, 5, 6, 7, 12, 13, 14, 15);
    const __m512i b0 = _mm512_setr_epi64(0, 8, 1, 9, 2, 10, 3, 11);
    const __m512i b1 = _mm512_setr_epi64(4, 12, 5, 13, 6, 14, 7, 15);
    const __m512i w4idx = _mm512_setr_epi64(0, 0, 0, 0, 1, 1, 1, 1);
    const __m512i w2idx = _mm512_setr_epi64(0, 0, 1, 1, 2, 2, 3, 3);
    for (uint64_t j0 = 0, blk = 0; j0 < n; j0 += 16 * u, blk += u) {
        __m512d x[SMALL_U], y[SMALL_U], w4[SMALL_U], w4q[SMALL_U], w2[SMALL_U], w2q[SMALL_U], w1[SMALL_U], w1q[SMALL_U];
        for (uint64_t k = 0; k < u; k++) {
            const uint64_t b = blk + k;
            __m512d v0 = fp_load(src + j0 + 16 * k, from_int), v1 = fp_load(src + j0 + 16 * k + 8, from_int);
            if (pw) {   /* fused pointwise product (inverse of a ring product) */
                v0 = fp_pointwise(v0, _mm512_loadu_pd(pw + j0 + 16 * k), c);
                v1 = fp_pointwise(v1, _mm512_loadu_pd(pw + j0 + 16 * k + 8), c);
            }
            w4[k] = _mm512_permutexvar_pd(w4idx, _mm512_castpd128_pd512(_mm_loadu_pd(tw + m4 + 2 * b)));
            w4q[k] = _mm512_permutexvar_pd(w4idx, _mm512_castpd128_pd512(_mm_loadu_pd(twq + m4 + 2 * b)));
            w2[k] = _mm512_permutexvar_pd(w2idx, _mm512_castpd256_pd512(_mm256_loadu_pd(tw + m2 + 4 * b)));
            w2q[k] = _mm512_permutexvar_pd(w2idx, _mm512_castpd256_pd512(_mm256_loadu_pd(twq + m2 + 4 * b)));
            w1[k] = _mm512_loadu_pd(tw + m1 + 8 * b);
            w1q[k] = _mm512_loadu_pd(twq + m1 + 8 * b);
            x[k] = _mm512_permutex2var_pd(v0, inverse ? ev : lo4, v1);
            y[k] = _mm512_permutex2var_pd(v0, inverse ? od : hi4, v1);
        }
        if (!inverse) {
            for (uint64_t k = 0; k < u; k++) fp_fwd_bf(&x[k], &y[k], w4[k], w4q[k], c);     /* gap 4 */
            for (uint64_t k = 0; k < u; k++) {
                __m512d t = _mm512_permutex2var_pd(x[k], p2x, y[k]);
                y[k] = _mm512_permutex2var_pd(x[k], p2y, y[k]);
                x[k] = t;
            }
            for (uint64_t k = 0; k < u; k++) fp_fwd_bf(&x[k], &y[k], w2[k], w2q[k], c);     /* gap 2 */
            for (uint64_t k = 0; k < u; k++) {
                __m512d t = _mm512_permutex2var_pd(x[k], p1x, y[k]);
                y[k] = _mm512_permutex2var_pd(x[k], p1y, y[k]);
                x[k] = t;
            }
            for (uint64_t k = 0; k < u; k++) fp_fwd_bf(&x[k], &y[k], w1[k], w1q[k], c);     /* gap 1 */
            for (uint64_t k = 0; k < u; k++) {
                fp_store(a + j0 + 16 * k, _mm512_permutex2var_pd(x[k], b0, y[k]), out_mode, c);
                fp_store(a + j0 + 16 * k + 8, _mm512_permutex2var_pd(x[k], b1, y[k]), out_mode, c);
            }
        } else {
            for (uint64_t k = 0; k < u; k++) fp_inv_bf(&x[k], &y[k], w1[k], w1q[k], c);     /* gap 1 */
            for (uint64_t k = 0; k < u; k++) {
                __m512d t = _mm512_permutex2var_pd(x[k], p1x, y[k]);
                y[k] = _mm512_permutex2var_pd(x[k], p1y, y[k]);
                x[k] = t;
            }
            for (uint64_t k = 0; k < u; k++) fp_inv_bf(&x[k], &y[k], w2[k], w2q[k], c);     /* gap 2 */
            for (uint64_t k = 0; k < u; k++) {
                __m512d t = _mm512_permutex2var_pd(x[k], p2x, y[k]);
                y[k] = _mm512_permutex2var_pd(x[k], p2y, y[k]);
                x[k] = t;
            }
            for (uint64_t k = 0; k < u; k++) fp_inv_bf(&x[k], &y[k], w4[k], w4q[k], c);     /* gap 4 */
            for (uint64_t k = 0; k < u; k++) {
                fp_store(a + j0 + 16 * k, _mm512_permutex2var_pd(x[k], lo4, y[k]), out_mode, c);
                fp_store(a + j0 + 16 * k + 8, _mm512_permutex2var_pd(x[k], hi4, y[k]), out_mode, c);
            }
        }
    }
}

FPK void fp_small3(uint64_t *a, const uint64_t *src, uint64_t n, const double *tw, const double *twq,
                   const int inverse, const int from_int, const int out_mode, const fpc *c) {
    if (n >= 16 * SMALL_U) fp_small3_u(a, src, n, tw, twq, inverse, from_int, out_mode, c, SMALL_U, NULL);
    else fp_small3_u(a, src, n, tw, twq, inverse, from_int, out_mode, c, 1, NULL);
}

/* Inverse first pass of a ring product: a <- small stages of (a * pw), both doubles in [0, q). */
FPK void fp_small3_pw(uint64_t *a, uint64_t n, const double *tw, const double *twq, const double *pw,
                      const fpc *c) {
    if (n >= 16 * SMALL_U) fp_small3_u(a, a, n, tw, twq, 1, 0, OUT_DBL, c, SMALL_U, pw);
    else fp_small3_u(a, a, n, tw, twq, 1, 0, OUT_DBL, c, 1, pw);
}

FPK fpc fp_consts(uint64_t q) {
    fpc c;
    c.q = _mm512_set1_pd((double)q);
    c.two_q = _mm512_set1_pd((double)(2 * q));
    c.M = _mm512_set1_pd(0x1p52);
    c.qinv = _mm512_set1_pd(recip_down_fp(q));
    return c;
}

/* Forward transform: input integers (< 4q), output per out_mode (OUT_INT lazy, OUT_INT_REDUCED,
   OUT_DBL_REDUCED). n >= 16: log2(n) - 3 stages with gap >= 8 (radix-4 passes, one radix-2 pass
   first when their number is odd), then the three small stages in one pass. */
__attribute__((target("avx512f,avx512dq")))
static void forward_fp(const ccc_ntt_tables *t, uint64_t *a, const uint64_t *src, uint64_t *out, int out_mode) {
    const uint64_t n = t->n;
    const fpc c = fp_consts(t->mod.q);
    uint32_t big = t->log_n - 3;
    uint64_t m = 1, gap = n >> 1;
    if (big & 1) {
        fp_big_stage(a, src, m, gap, t->fwd_f, t->fwd_fq, 0, 1, OUT_DBL, &c);
        m <<= 1; gap >>= 1;
    } else {
        fp_radix4_stage(a, src, m, gap >> 1, t->fwd_f, t->fwd_fq, 0, 1, &c);
        m <<= 2; gap >>= 2;
    }
    for (; gap >= 16; m <<= 2, gap >>= 2)
        fp_radix4_stage(a, a, m, gap >> 1, t->fwd_f, t->fwd_fq, 0, 0, &c);
    if (out_mode == OUT_INT) fp_small3(out, a, n, t->fwd_f, t->fwd_fq, 0, 0, OUT_INT, &c);
    else if (out_mode == OUT_INT_REDUCED) fp_small3(out, a, n, t->fwd_f, t->fwd_fq, 0, 0, OUT_INT_REDUCED, &c);
    else fp_small3(out, a, n, t->fwd_f, t->fwd_fq, 0, 0, OUT_DBL_REDUCED, &c);
}

/* Inverse transform with final scaling by s: input integers (< 2q) or doubles, output integers
   in [0, q). The scaling is folded into the last stage: x' = (u + v)*s, y' = (u - v + 2q)*(w*s),
   both fully reduced, which are the values of a separate scaling pass. */
__attribute__((target("avx512f,avx512dq")))
static void inverse_fp(const ccc_ntt_tables *t, uint64_t *a, uint64_t *dst, const uint64_t *src, int from_int,
                       uint64_t s, const double *pw) {
    const uint64_t n = t->n, q = t->mod.q;
    const fpc c = fp_consts(q);
    if (pw) fp_small3_pw(a, n, t->inv_f, t->inv_fq, pw, &c);
    else if (from_int) fp_small3(a, src, n, t->inv_f, t->inv_fq, 1, 1, OUT_DBL, &c);
    else fp_small3(a, src, n, t->inv_f, t->inv_fq, 1, 0, OUT_DBL, &c);
    /* big stages m = n/16 ... 2 (gap 8 ... n/4), then m = 1 with the scaling */
    uint32_t big = t->log_n - 4;
    uint64_t m = n >> 4, gap = 8;
    if (big & 1) {
        fp_big_stage(a, a, m, gap, t->inv_f, t->inv_fq, 1, 0, OUT_DBL, &c);
        m >>= 1; gap <<= 1;
    }
    for (; m >= 4; m >>= 2, gap <<= 2)
        fp_radix4_stage(a, a, m >> 1, gap, t->inv_f, t->inv_fq, 1, 0, &c);
    /* last stage (m = 1, gap = n/2) fused with the scaling */
    ccc_modulus mod = t->mod;
    const uint64_t sw = ccc_mul_mod(&mod, s, t->inv[1]);
    const __m512d vs = _mm512_set1_pd((double)s), vsq = _mm512_set1_pd(ratio_down_fp(s, q));
    const __m512d vsw = _mm512_set1_pd((double)sw), vswq = _mm512_set1_pd(ratio_down_fp(sw, q));
    uint64_t *x = a, *y = a + gap, *dx = dst, *dy = dst + gap;
    for (uint64_t j = 0; j < gap; j += 8) {
        __m512d u = fp_load(x + j, 0), v = fp_load(y + j, 0);
        __m512d sum = fp_mulmod(_mm512_add_pd(u, v), vs, vsq, &c);
        __m512d dif = fp_mulmod(_mm512_sub_pd(_mm512_add_pd(u, c.two_q), v), vsw, vswq, &c);
        fp_store(dx + j, sum, OUT_INT, &c);
        fp_store(dy + j, dif, OUT_INT, &c);
    }
}

/* ======================= Montgomery pointwise (integer kernel) ======================= */

/* a*b*2^-64 mod q in [0, 2q) for a, b < q < 2^62 (see ccc_mont_mul). */
AVX512 static inline __m512i mont_mul_vec(__m512i a, __m512i b, __m512i q, __m512i q_hi, __m512i qinv) {
    __m512i hi = mulhi64(a, b, _mm512_srli_epi64(b, 32));
    __m512i lo = _mm512_mullo_epi64(a, b);
    __m512i m = _mm512_mullo_epi64(lo, qinv);
    __m512i t = _mm512_add_epi64(hi, mulhi64(m, q, q_hi));
    return _mm512_mask_add_epi64(t, _mm512_test_epi64_mask(lo, lo), t, _mm512_set1_epi64(1));
}

/* ======================= entry points ======================= */

AVX512 void ccc_ntt_forward_avx512(const ccc_ntt_tables *t, uint64_t *a, int lazy_output) {
    if (t->n < CCC_NTT_AVX512_MIN_N) { ccc_ntt_forward_portable(t, a, lazy_output); return; }
    if (t->canonical) forward_fp(t, a, a, a, OUT_INT_REDUCED);   /* q < 2^50: outputs always reduced */
    else forward_int(t, a, a, a, lazy_output);
}

AVX512 void ccc_ntt_inverse_avx512(const ccc_ntt_tables *t, uint64_t *a, int lazy_output) {
    if (t->n < CCC_NTT_AVX512_MIN_N) { ccc_ntt_inverse_portable(t, a, lazy_output); return; }
    if (t->canonical) inverse_fp(t, a, a, a, 1, t->n_inv, NULL);
    else inverse_int(t, a, a, a, lazy_output, t->n_inv, t->n_inv_shoup);
}

/* Ring product with the transforms in x (n words) and y (n words): b is transformed into y,
   a into x, and the inverse runs in x with its last pass writing out. x may be out (then the
   whole computation is in place there) and y the caller's scratch; with a 64-byte aligned
   2n-word scratch split into x and y, only the first and last passes touch out, a and b. */
AVX512 static void product_avx512(const ccc_ntt_tables *t, uint64_t *out, const uint64_t *a, const uint64_t *b,
                                  uint64_t *x, uint64_t *y) {
    const uint64_t n = t->n, q = t->mod.q;
    if (t->canonical) {
        /* The values stay doubles from the first forward pass to the last inverse pass, and the
           pointwise product is fused into the first inverse pass. */
        forward_fp(t, y, b, y, OUT_DBL_REDUCED);
        forward_fp(t, x, a, x, OUT_DBL_REDUCED);
        inverse_fp(t, x, out, x, 0, t->n_inv, (const double *)y);
        return;
    }
    forward_int(t, y, b, y, 0);
    forward_int(t, x, a, x, 0);
    const __m512i vq = _mm512_set1_epi64((long long)q), vq_hi = _mm512_set1_epi64((long long)(q >> 32));
    const __m512i qinv = _mm512_set1_epi64((long long)t->mont_qinv);
    for (uint64_t j = 0; j < n; j += 8) {
        __m512i u = _mm512_loadu_si512((const void *)(x + j)), v = _mm512_loadu_si512((const void *)(y + j));
        _mm512_storeu_si512((void *)(x + j), mont_mul_vec(u, v, vq, vq_hi, qinv));
    }
    inverse_int(t, x, out, x, 0, t->mont_scale, t->mont_scale_shoup);
}

/* In-place transforms of a whose inner passes run in the scratch w (n words): with w 64-byte
   aligned, only the first and last passes touch a (same values as in place). */
AVX512 void ccc_ntt_forward_avx512_scratch(const ccc_ntt_tables *t, uint64_t *a, int lazy_output, uint64_t *w) {
    if (t->n < CCC_NTT_AVX512_MIN_N) { ccc_ntt_forward_portable(t, a, lazy_output); return; }
    if (t->canonical) forward_fp(t, w, a, a, OUT_INT_REDUCED);
    else forward_int(t, w, a, a, lazy_output);
}

AVX512 void ccc_ntt_inverse_avx512_scratch(const ccc_ntt_tables *t, uint64_t *a, int lazy_output, uint64_t *w) {
    if (t->n < CCC_NTT_AVX512_MIN_N) { ccc_ntt_inverse_portable(t, a, lazy_output); return; }
    if (t->canonical) inverse_fp(t, w, a, a, 1, t->n_inv, NULL);
    else inverse_int(t, w, a, a, lazy_output, t->n_inv, t->n_inv_shoup);
}

AVX512 void ccc_ntt_negacyclic_mul_avx512(const ccc_ntt_tables *t, uint64_t *out, const uint64_t *a,
                                          const uint64_t *b, uint64_t *scratch) {
    product_avx512(t, out, a, b, out, scratch);
}

AVX512 void ccc_ntt_negacyclic_mul2_avx512(const ccc_ntt_tables *t, uint64_t *out, const uint64_t *a,
                                           const uint64_t *b, uint64_t *scratch2) {
    product_avx512(t, out, a, b, scratch2, scratch2 + t->n);
}

#else  /* not x86-64: never selected (ccc_cpu_kernels reports no AVX-512) */
void ccc_ntt_forward_avx512(const ccc_ntt_tables *t, uint64_t *a, int lazy_output) { ccc_ntt_forward_portable(t, a, lazy_output); }
void ccc_ntt_inverse_avx512(const ccc_ntt_tables *t, uint64_t *a, int lazy_output) { ccc_ntt_inverse_portable(t, a, lazy_output); }
void ccc_ntt_negacyclic_mul_avx512(const ccc_ntt_tables *t, uint64_t *out, const uint64_t *a,
                                   const uint64_t *b, uint64_t *scratch) {
    (void)t; (void)out; (void)a; (void)b; (void)scratch;   /* never selected off x86-64 */
}
void ccc_ntt_negacyclic_mul2_avx512(const ccc_ntt_tables *t, uint64_t *out, const uint64_t *a,
                                    const uint64_t *b, uint64_t *scratch2) {
    (void)t; (void)out; (void)a; (void)b; (void)scratch2;
}
void ccc_ntt_forward_avx512_scratch(const ccc_ntt_tables *t, uint64_t *a, int lazy_output, uint64_t *w) {
    (void)w; ccc_ntt_forward_portable(t, a, lazy_output);
}
void ccc_ntt_inverse_avx512_scratch(const ccc_ntt_tables *t, uint64_t *a, int lazy_output, uint64_t *w) {
    (void)w; ccc_ntt_inverse_portable(t, a, lazy_output);
}
#endif
