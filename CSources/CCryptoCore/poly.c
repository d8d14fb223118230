#include "poly_internal.h"

void ccc_poly_add(uint64_t *out, const uint64_t *a, const uint64_t *b, uint64_t n, uint64_t q) {
    for (uint64_t j = 0; j < n; j++) out[j] = ccc_add_mod(a[j], b[j], q);
}

void ccc_poly_sub(uint64_t *out, const uint64_t *a, const uint64_t *b, uint64_t n, uint64_t q) {
    for (uint64_t j = 0; j < n; j++) out[j] = ccc_sub_mod(a[j], b[j], q);
}

void ccc_poly_neg(uint64_t *out, const uint64_t *a, uint64_t n, uint64_t q) {
    for (uint64_t j = 0; j < n; j++) out[j] = ccc_sub_mod(0, a[j], q);
}

void ccc_poly_mul(uint64_t *out, const uint64_t *a, const uint64_t *b, uint64_t n, const ccc_modulus *m) {
    for (uint64_t j = 0; j < n; j++) out[j] = ccc_mul_mod(m, a[j], b[j]);
}

void ccc_poly_mul_add(uint64_t *out, const uint64_t *a, const uint64_t *b, uint64_t n, const ccc_modulus *m) {
    for (uint64_t j = 0; j < n; j++) {
        ccc_u128 p = (ccc_u128)a[j] * b[j] + out[j];
        out[j] = ccc_barrett_reduce_128(m, (uint64_t)p, (uint64_t)(p >> 64));
    }
}

void ccc_poly_mul_scalar(uint64_t *out, const uint64_t *a, uint64_t w, uint64_t n, uint64_t q) {
    const uint64_t ws = ccc_shoup_precompute(w, q);
    for (uint64_t j = 0; j < n; j++) out[j] = ccc_mul_shoup(a[j], w, ws, q);
}

void ccc_poly_reduce(uint64_t *out, const uint64_t *a, uint64_t n, const ccc_modulus *m) {
    for (uint64_t j = 0; j < n; j++) out[j] = ccc_barrett_reduce_128(m, a[j], 0);
}

/* ---- multiply-accumulate ---- */

static ccc_status dot_check(const uint64_t *const *polys, const void *scalars, size_t count,
                            uint64_t n, const ccc_modulus *m) {
    if (m == NULL || n == 0) return CCC_ERR_INVALID_ARGUMENT;
    if (count > 0 && (polys == NULL || scalars == NULL)) return CCC_ERR_INVALID_ARGUMENT;
    for (size_t i = 0; i < count; i++) if (polys[i] == NULL) return CCC_ERR_INVALID_ARGUMENT;
    return CCC_OK;
}

/*
 * Portable tile: 128-bit accumulators for coefficients [j0, j0 + len). Products are below q^2,
 * so the sums are reduced every `chunk` terms, where (chunk + 1) products fit in 128 bits.
 */
static void dot_tile_u128(uint64_t *out, const uint64_t *const *polys, uint64_t j0,
                          const uint64_t *scalars, size_t count, uint64_t len,
                          const ccc_modulus *m, int accumulate) {
    const uint64_t q = m->q;
    const ccc_u128 max_prod = (ccc_u128)(q - 1) * (q - 1);
    const ccc_u128 fit = (~(ccc_u128)0) / max_prod - 1;    /* >= 15 since q < 2^62 */
    const size_t chunk = fit > (ccc_u128)count ? (count == 0 ? 1 : count) : (size_t)fit;
    ccc_u128 acc[CCC_DOT_BLOCK];
    for (uint64_t j = 0; j < len; j++) acc[j] = accumulate ? out[j] : 0;
    size_t done = 0;
    while (done < count) {
        size_t end = done + chunk < count ? done + chunk : count;
        for (size_t i = done; i < end; i++) {
            const uint64_t s = scalars[i];
            const uint64_t *p = polys[i] + j0;
            for (uint64_t j = 0; j < len; j++) acc[j] += (ccc_u128)p[j] * s;
        }
        done = end;
        if (done < count)
            for (uint64_t j = 0; j < len; j++)
                acc[j] = ccc_barrett_reduce_128(m, (uint64_t)acc[j], (uint64_t)(acc[j] >> 64));
    }
    for (uint64_t j = 0; j < len; j++)
        out[j] = ccc_barrett_reduce_128(m, (uint64_t)acc[j], (uint64_t)(acc[j] >> 64));
}

ccc_status ccc_poly_dot(uint64_t *out, const uint64_t *const *polys, const uint64_t *scalars,
                        size_t count, uint64_t n, const ccc_modulus *m, int accumulate) {
    if (out == NULL) return CCC_ERR_INVALID_ARGUMENT;
    ccc_status s = dot_check(polys, scalars, count, n, m);
    if (s != CCC_OK) return s;
    for (size_t i = 0; i < count; i++) if (scalars[i] >= m->q) return CCC_ERR_INVALID_ARGUMENT;
    for (uint64_t j0 = 0; j0 < n; j0 += CCC_DOT_BLOCK) {
        uint64_t len = n - j0 < CCC_DOT_BLOCK ? n - j0 : CCC_DOT_BLOCK;
        dot_tile_u128(out + j0, polys, j0, scalars, count, len, m, accumulate);
    }
    return CCC_OK;
}

#define SMALL_SCALAR_LIMIT ((int64_t)1 << 31)
#define MAP_CHUNK 256   /* signed scalars mapped to [0, q) per portable pass, on the stack */

void ccc_dot_small_tile_portable(uint64_t *out, const uint64_t *const *polys, uint64_t j0,
                                 const int64_t *scalars, size_t count, uint64_t len,
                                 const ccc_modulus *m, int accumulate) {
    uint64_t mapped[MAP_CHUNK];
    size_t done = 0;
    int acc = accumulate;
    do {
        size_t k = count - done < MAP_CHUNK ? count - done : MAP_CHUNK;
        for (size_t i = 0; i < k; i++) {
            int64_t v = scalars[done + i];
            uint64_t mag = (uint64_t)(v < 0 ? -v : v) % m->q;
            mapped[i] = v < 0 ? ccc_sub_mod(0, mag, m->q) : mag;
        }
        dot_tile_u128(out, polys + done, j0, mapped, k, len, m, acc);
        acc = 1;
        done += k;
    } while (done < count);
}

uint32_t ccc_poly_dot_small_kernels(void) {
    return ccc_cpu_kernels() &
           ((1u << CCC_KERNEL_PORTABLE) | (1u << CCC_KERNEL_AVX2) | (1u << CCC_KERNEL_AVX512));
}

typedef void (*tile_fn)(uint64_t *, const uint64_t *const *, uint64_t, const int64_t *, size_t,
                        uint64_t, const ccc_modulus *, int);

ccc_status ccc_poly_matvec_small_kernel(uint64_t *const *outs, size_t outputs,
                                        const uint64_t *const *polys, const int64_t *weights,
                                        size_t count, uint64_t n, const ccc_modulus *m,
                                        int accumulate, ccc_kernel kernel) {
    if (outputs > 0 && outs == NULL) return CCC_ERR_INVALID_ARGUMENT;
    for (size_t o = 0; o < outputs; o++) if (outs[o] == NULL) return CCC_ERR_INVALID_ARGUMENT;
    ccc_status s = dot_check(polys, weights, count, n, m);
    if (s != CCC_OK) return s;
    if (outputs > 0 && count > 0 && weights == NULL) return CCC_ERR_INVALID_ARGUMENT;
    for (size_t i = 0; i < outputs * count; i++)
        if (weights[i] >= SMALL_SCALAR_LIMIT || weights[i] <= -SMALL_SCALAR_LIMIT) return CCC_ERR_INVALID_ARGUMENT;
    if ((unsigned)kernel > CCC_KERNEL_AVX512_IFMA || !(ccc_poly_dot_small_kernels() & (1u << kernel)))
        return CCC_ERR_INVALID_ARGUMENT;
    tile_fn simd = NULL;
    uint64_t lanes = 1;
    if (kernel == CCC_KERNEL_AVX512) { simd = ccc_dot_small_tile_avx512; lanes = 8; }
    else if (kernel == CCC_KERNEL_AVX2) { simd = ccc_dot_small_tile_avx2; lanes = 4; }
    /* Tiles outermost, outputs inside: a tile of every input is read from memory once. */
    for (uint64_t j0 = 0; j0 < n; j0 += CCC_DOT_BLOCK) {
        uint64_t len = n - j0 < CCC_DOT_BLOCK ? n - j0 : CCC_DOT_BLOCK;
        uint64_t vec_len = simd ? len / lanes * lanes : 0;
        for (size_t o = 0; o < outputs; o++) {
            const int64_t *row = weights + o * count;
            if (vec_len > 0) simd(outs[o] + j0, polys, j0, row, count, vec_len, m, accumulate);
            if (vec_len < len)
                ccc_dot_small_tile_portable(outs[o] + j0 + vec_len, polys, j0 + vec_len, row, count,
                                            len - vec_len, m, accumulate);
        }
    }
    return CCC_OK;
}

static ccc_kernel best_small_kernel(void) {
    uint32_t mask = ccc_poly_dot_small_kernels() & ccc_allowed_kernels();
    return (mask & (1u << CCC_KERNEL_AVX512)) ? CCC_KERNEL_AVX512
         : (mask & (1u << CCC_KERNEL_AVX2)) ? CCC_KERNEL_AVX2 : CCC_KERNEL_PORTABLE;
}

ccc_status ccc_poly_matvec_small(uint64_t *const *outs, size_t outputs, const uint64_t *const *polys,
                                 const int64_t *weights, size_t count, uint64_t n,
                                 const ccc_modulus *m, int accumulate) {
    return ccc_poly_matvec_small_kernel(outs, outputs, polys, weights, count, n, m, accumulate,
                                        best_small_kernel());
}

ccc_status ccc_poly_dot_small(uint64_t *out, const uint64_t *const *polys, const int64_t *scalars,
                              size_t count, uint64_t n, const ccc_modulus *m, int accumulate) {
    if (out == NULL) return CCC_ERR_INVALID_ARGUMENT;
    uint64_t *outs[1] = { out };
    return ccc_poly_matvec_small(outs, 1, polys, scalars, count, n, m, accumulate);
}
