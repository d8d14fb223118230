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

#define DOT_SMALL_TILE(VEC, LANES, LOAD, STORE, SET1, SUB, MUL32, SRLI, AND, ADD, ZERO)             \
    const VEC qv = SET1((long long)m->q);                                                           \
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
        for (size_t i = done; i < end; i++) {                                                       \
            const int64_t s = scalars[i];                                                           \
            if (s == 0) continue;                                                                   \
            const VEC w = SET1(s < 0 ? -s : s);                                                     \
            const uint64_t *p = polys[i] + j0;                                                      \
            if (s < 0) {                                                                            \
                for (uint64_t v = 0; v < len; v += LANES) {                                         \
                    VEC c = SUB(qv, LOAD((const void *)(p + v)));                                   \
                    VEC plo = MUL32(c, w), phi = MUL32(SRLI(c, 32), w);                             \
                    STORE((void *)(a0s + v), ADD(LOAD((const void *)(a0s + v)), AND(plo, lo32)));   \
                    STORE((void *)(a1s + v), ADD(LOAD((const void *)(a1s + v)),                     \
                                                 ADD(SRLI(plo, 32), AND(phi, lo32))));              \
                    STORE((void *)(a2s + v), ADD(LOAD((const void *)(a2s + v)), SRLI(phi, 32)));    \
                }                                                                                   \
            } else {                                                                                \
                for (uint64_t v = 0; v < len; v += LANES) {                                         \
                    VEC c = LOAD((const void *)(p + v));                                            \
                    VEC plo = MUL32(c, w), phi = MUL32(SRLI(c, 32), w);                             \
                    STORE((void *)(a0s + v), ADD(LOAD((const void *)(a0s + v)), AND(plo, lo32)));   \
                    STORE((void *)(a1s + v), ADD(LOAD((const void *)(a1s + v)),                     \
                                                 ADD(SRLI(plo, 32), AND(phi, lo32))));              \
                    STORE((void *)(a2s + v), ADD(LOAD((const void *)(a2s + v)), SRLI(phi, 32)));    \
                }                                                                                   \
            }                                                                                       \
        }                                                                                           \
        for (uint64_t j = 0; j < len; j++) {                                                        \
            uint64_t prev = (first && !accumulate) ? 0 : out[j];                                    \
            out[j] = ccc_reduce_split(m, a0s[j], a1s[j], a2s[j], prev);                             \
        }                                                                                           \
        first = 0;                                                                                  \
        done = end;                                                                                 \
    } while (done < count);

__attribute__((target("avx512f,avx512dq")))
void ccc_dot_small_tile_avx512(uint64_t *out, const uint64_t *const *polys, uint64_t j0,
                               const int64_t *scalars, size_t count, uint64_t len,
                               const ccc_modulus *m, int accumulate) {
    DOT_SMALL_TILE(__m512i, 8, _mm512_loadu_si512, _mm512_storeu_si512, _mm512_set1_epi64,
                   _mm512_sub_epi64, _mm512_mul_epu32, _mm512_srli_epi64, _mm512_and_si512,
                   _mm512_add_epi64, _mm512_setzero_si512)
}

static inline __attribute__((target("avx2"))) __m256i load256(const void *p) { return _mm256_loadu_si256((const __m256i *)p); }
static inline __attribute__((target("avx2"))) void store256(void *p, __m256i v) { _mm256_storeu_si256((__m256i *)p, v); }

__attribute__((target("avx2")))
void ccc_dot_small_tile_avx2(uint64_t *out, const uint64_t *const *polys, uint64_t j0,
                             const int64_t *scalars, size_t count, uint64_t len,
                             const ccc_modulus *m, int accumulate) {
    DOT_SMALL_TILE(__m256i, 4, load256, store256, _mm256_set1_epi64x,
                   _mm256_sub_epi64, _mm256_mul_epu32, _mm256_srli_epi64, _mm256_and_si256,
                   _mm256_add_epi64, _mm256_setzero_si256)
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
