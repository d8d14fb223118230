/*
 * SIMD tiles of the signed small-scalar multiply-accumulate (|s| < 2^31, coefficients in [0, q)).
 * A negative scalar multiplies q - c instead of c (the same value mod q). Each product
 * c * |s| = (c_hi * 2^32 + c_lo) * |s| is split into 32-bit pieces summed in three 64-bit
 * accumulators A0 + A1 * 2^32 + A2 * 2^64; every addend is below 2^33, so 2^30 terms are summed
 * before a reduction. Accumulator rows of one tile stay in L1; each term streams a contiguous
 * run of its polynomial. Results are identical to the portable tile.
 */
#include "poly_internal.h"

#define TERMS_PER_PASS ((size_t)1 << 30)

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>

/*
 * One accumulation step: the product of c by |s| (c already replaced by q - c for a negative s)
 * added to the three split accumulators.
 */
#define ACCUMULATE(MUL32, SRLI, AND, ADD, lo32, c, w, a0, a1, a2)                                   \
    do {                                                                                            \
        __typeof__(c) plo_ = MUL32(c, w), phi_ = MUL32(SRLI(c, 32), w);                             \
        a0 = ADD(a0, AND(plo_, lo32));                                                              \
        a1 = ADD(a1, ADD(SRLI(plo_, 32), AND(phi_, lo32)));                                         \
        a2 = ADD(a2, SRLI(phi_, 32));                                                               \
    } while (0)

/*
 * The tile: terms are taken four at a time so that the accumulator rows are loaded and stored
 * once per four products (the loop is bound by L1 traffic otherwise). NEGATE(c, i) returns q - c
 * when scalars[i] < 0 and c otherwise, without a branch.
 */
#define DOT_SMALL_TILE(VEC, LANES, LOAD, STORE, SET1, MUL32, SRLI, AND, ADD, ZERO, NEG_SETUP, NEGATE) \
    const VEC lo32 = SET1(0xffffffffLL);                                                            \
    uint64_t a0s[CCC_DOT_BLOCK] __attribute__((aligned(64)));                                       \
    uint64_t a1s[CCC_DOT_BLOCK] __attribute__((aligned(64)));                                       \
    uint64_t a2s[CCC_DOT_BLOCK] __attribute__((aligned(64)));                                       \
    size_t done = 0;                                                                                \
    int first = 1;                                                                                  \
    do {                                                                                            \
        size_t end = count - done > TERMS_PER_PASS ? done + TERMS_PER_PASS : count;                 \
        for (uint64_t v = 0; v < len; v += LANES) {                                                 \
            STORE((void *)(a0s + v), ZERO()); STORE((void *)(a1s + v), ZERO());                     \
            STORE((void *)(a2s + v), ZERO());                                                       \
        }                                                                                           \
        size_t i = done;                                                                            \
        for (; i + 4 <= end; i += 4) {                                                              \
            NEG_SETUP(0, i) NEG_SETUP(1, i + 1) NEG_SETUP(2, i + 2) NEG_SETUP(3, i + 3)             \
            const VEC w0 = SET1(scalars[i] < 0 ? -scalars[i] : scalars[i]);                         \
            const VEC w1 = SET1(scalars[i + 1] < 0 ? -scalars[i + 1] : scalars[i + 1]);             \
            const VEC w2 = SET1(scalars[i + 2] < 0 ? -scalars[i + 2] : scalars[i + 2]);             \
            const VEC w3 = SET1(scalars[i + 3] < 0 ? -scalars[i + 3] : scalars[i + 3]);             \
            const uint64_t *p0 = polys[i] + j0, *p1 = polys[i + 1] + j0;                            \
            const uint64_t *p2 = polys[i + 2] + j0, *p3 = polys[i + 3] + j0;                        \
            for (uint64_t v = 0; v < len; v += LANES) {                                             \
                VEC a0 = LOAD((const void *)(a0s + v));                                             \
                VEC a1 = LOAD((const void *)(a1s + v));                                             \
                VEC a2 = LOAD((const void *)(a2s + v));                                             \
                VEC c0 = NEGATE(LOAD((const void *)(p0 + v)), 0);                                   \
                VEC c1 = NEGATE(LOAD((const void *)(p1 + v)), 1);                                   \
                VEC c2 = NEGATE(LOAD((const void *)(p2 + v)), 2);                                   \
                VEC c3 = NEGATE(LOAD((const void *)(p3 + v)), 3);                                   \
                ACCUMULATE(MUL32, SRLI, AND, ADD, lo32, c0, w0, a0, a1, a2);                        \
                ACCUMULATE(MUL32, SRLI, AND, ADD, lo32, c1, w1, a0, a1, a2);                        \
                ACCUMULATE(MUL32, SRLI, AND, ADD, lo32, c2, w2, a0, a1, a2);                        \
                ACCUMULATE(MUL32, SRLI, AND, ADD, lo32, c3, w3, a0, a1, a2);                        \
                STORE((void *)(a0s + v), a0);                                                       \
                STORE((void *)(a1s + v), a1);                                                       \
                STORE((void *)(a2s + v), a2);                                                       \
            }                                                                                       \
        }                                                                                           \
        for (; i < end; i++) {                                                                      \
            NEG_SETUP(0, i)                                                                         \
            const VEC w0 = SET1(scalars[i] < 0 ? -scalars[i] : scalars[i]);                         \
            const uint64_t *p0 = polys[i] + j0;                                                     \
            for (uint64_t v = 0; v < len; v += LANES) {                                             \
                VEC a0 = LOAD((const void *)(a0s + v));                                             \
                VEC a1 = LOAD((const void *)(a1s + v));                                             \
                VEC a2 = LOAD((const void *)(a2s + v));                                             \
                VEC c0 = NEGATE(LOAD((const void *)(p0 + v)), 0);                                   \
                ACCUMULATE(MUL32, SRLI, AND, ADD, lo32, c0, w0, a0, a1, a2);                        \
                STORE((void *)(a0s + v), a0);                                                       \
                STORE((void *)(a1s + v), a1);                                                       \
                STORE((void *)(a2s + v), a2);                                                       \
            }                                                                                       \
        }                                                                                           \
        for (uint64_t j = 0; j < len; j++) {                                                        \
            uint64_t prev = (first && !accumulate) ? 0 : out[j];                                    \
            out[j] = ccc_reduce_split(m, a0s[j], a1s[j], a2s[j], prev);                             \
        }                                                                                           \
        first = 0;                                                                                  \
        done = end;                                                                                 \
    } while (done < count);

/* AVX-512: a write mask selects the lanes of q - c (all lanes or none, by the scalar's sign). */
#define NEG_SETUP_512(k, idx) const __mmask8 neg##k = scalars[idx] < 0 ? (__mmask8)0xFF : (__mmask8)0;
#define NEGATE_512(c, k) _mm512_mask_sub_epi64((c), neg##k, qv, (c))

/* AVX2: q - c = (c XOR ~0) + (q + 1); with m = 0 the same expression leaves c unchanged. */
#define NEG_SETUP_256(k, idx) const __m256i m##k = _mm256_set1_epi64x(scalars[idx] < 0 ? -1LL : 0LL); \
                              const __m256i qm##k = _mm256_and_si256(m##k, q1v);
#define NEGATE_256(c, k) _mm256_add_epi64(_mm256_xor_si256((c), m##k), qm##k)

__attribute__((target("avx512f,avx512dq")))
void ccc_dot_small_tile_avx512(uint64_t *out, const uint64_t *const *polys, uint64_t j0,
                               const int64_t *scalars, size_t count, uint64_t len,
                               const ccc_modulus *m, int accumulate) {
    const __m512i qv = _mm512_set1_epi64((long long)m->q);
    DOT_SMALL_TILE(__m512i, 8, _mm512_loadu_si512, _mm512_storeu_si512, _mm512_set1_epi64,
                   _mm512_mul_epu32, _mm512_srli_epi64, _mm512_and_si512,
                   _mm512_add_epi64, _mm512_setzero_si512, NEG_SETUP_512, NEGATE_512)
}

static inline __attribute__((target("avx2"))) __m256i load256(const void *p) { return _mm256_loadu_si256((const __m256i *)p); }
static inline __attribute__((target("avx2"))) void store256(void *p, __m256i v) { _mm256_storeu_si256((__m256i *)p, v); }

__attribute__((target("avx2")))
void ccc_dot_small_tile_avx2(uint64_t *out, const uint64_t *const *polys, uint64_t j0,
                             const int64_t *scalars, size_t count, uint64_t len,
                             const ccc_modulus *m, int accumulate) {
    const __m256i q1v = _mm256_set1_epi64x((long long)(m->q + 1));
    DOT_SMALL_TILE(__m256i, 4, load256, store256, _mm256_set1_epi64x,
                   _mm256_mul_epu32, _mm256_srli_epi64, _mm256_and_si256,
                   _mm256_add_epi64, _mm256_setzero_si256, NEG_SETUP_256, NEGATE_256)
}

#else  /* never selected off x86-64 */
void ccc_dot_small_tile_avx512(uint64_t *out, const uint64_t *const *polys, uint64_t j0,
                               const int64_t *scalars, size_t count, uint64_t len,
                               const ccc_modulus *m, int accumulate) {
    ccc_dot_small_tile_portable(out, polys, j0, scalars, count, len, m, accumulate);
}
void ccc_dot_small_tile_avx2(uint64_t *out, const uint64_t *const *polys, uint64_t j0,
                             const int64_t *scalars, size_t count, uint64_t len,
                             const ccc_modulus *m, int accumulate) {
    ccc_dot_small_tile_portable(out, polys, j0, scalars, count, len, m, accumulate);
}
#endif
