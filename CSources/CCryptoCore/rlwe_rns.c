/* RNS kernels of the RLWE schemes: see include/CCryptoCore/ccc_rlwe.h. */
#include "CCryptoCore/ccc_rlwe.h"

#include <math.h>

/* Reduces the 128-bit accumulator once it may overflow on the next products (kept below 2^126). */
static inline ccc_u128 acc_fold(ccc_u128 acc, const ccc_modulus *m) {
    return (ccc_u128)ccc_barrett_reduce_128(m, (uint64_t)acc, (uint64_t)(acc >> 64));
}

/* How many products of an a-bit and a b-bit value can be added to a 128-bit accumulator holding
 * less than 2^126 before it must be folded: 2^(125 - a - b), at least 1, capped at 2^30. */
static size_t fold_period(const ccc_modulus *a, size_t ka, const ccc_modulus *b, size_t kb) {
    uint32_t ba = 0, bb = 0;
    for (size_t i = 0; i < ka; i++) if (a[i].bits > ba) ba = a[i].bits;
    for (size_t o = 0; o < kb; o++) if (b[o].bits > bb) bb = b[o].bits;
    if (ba + bb >= 125) return 1;
    const uint32_t e = 125 - ba - bb;
    return e >= 30 ? ((size_t)1 << 30) : ((size_t)1 << e);
}

ccc_status ccc_rlwe_base_convert(const ccc_rlwe_baseconv *t, uint64_t *out, const uint64_t *in,
                                 uint64_t n, uint64_t *scratch) {
    if (t == NULL || out == NULL || in == NULL || scratch == NULL || n == 0 || t->ka == 0 || t->kb == 0)
        return CCC_ERR_INVALID_ARGUMENT;
    const size_t ka = t->ka, kb = t->kb;
    for (size_t i = 0; i < ka; i++) {
        const uint64_t q = t->a_mod[i].q, w = t->a_hat_inv[i], ws = t->a_hat_inv_shoup[i];
        const uint64_t *x = in + i * n;
        uint64_t *y = scratch + i * n;
        for (uint64_t j = 0; j < n; j++) y[j] = ccc_mul_shoup(x[j], w, ws, q);
    }
    const size_t period = fold_period(t->a_mod, ka, t->b_mod, kb);
    for (uint64_t j = 0; j < n; j++) {
        double s = 0.5;
        for (size_t i = 0; i < ka; i++) s += (double)(int64_t)scratch[i * n + j] * t->a_inv_double[i];  /* y < 2^62 */
        const uint64_t v = (uint64_t)(int64_t)s;   /* floor: 0 < s <= ka + 1 */
        for (size_t o = 0; o < kb; o++) {
            const ccc_modulus *m = &t->b_mod[o];
            /* start with v * (b - [A]_b), i.e. -v A mod b */
            ccc_u128 acc = (ccc_u128)v * (m->q - t->a_mod_b[o]);
            size_t cnt = 0;
            for (size_t i = 0; i < ka; i++) {
                acc += (ccc_u128)scratch[i * n + j] * t->a_hat_mod_b[i * kb + o];
                if (++cnt == period) { acc = acc_fold(acc, m); cnt = 0; }
            }
            out[o * n + j] = ccc_barrett_reduce_128(m, (uint64_t)acc, (uint64_t)(acc >> 64));
        }
    }
    return CCC_OK;
}

ccc_status ccc_rlwe_scale_round(const ccc_rlwe_scaler *t, uint64_t *out, const uint64_t *in_q,
                                const uint64_t *in_r, uint64_t n, uint64_t *scratch) {
    if (t == NULL || out == NULL || in_q == NULL || scratch == NULL || n == 0 || t->kq == 0 || t->kout == 0)
        return CCC_ERR_INVALID_ARGUMENT;
    const size_t kq = t->kq, ko = t->kout;
    for (size_t i = 0; i < kq; i++) {
        const uint64_t q = t->q_mod[i].q, w = t->q_hat_inv[i], ws = t->q_hat_inv_shoup[i];
        const uint64_t *x = in_q + i * n;
        uint64_t *y = scratch + i * n;
        for (uint64_t j = 0; j < n; j++) y[j] = ccc_mul_shoup(x[j], w, ws, q);
    }
    const size_t period = fold_period(t->q_mod, kq, t->out_mod, ko);
    for (uint64_t j = 0; j < n; j++) {
        /* round(sum x'_i theta_i) with theta_i = hi 2^-64 + lo 2^-128, exactly in fixed point:
         * x * (hi 2^64 + lo) = P (192 bits); integer part P >> 128, fraction bits 64..127. */
        ccc_u128 ipart = 0, frac = 0;
        for (size_t i = 0; i < kq; i++) {
            const uint64_t x = scratch[i * n + j];
            const ccc_u128 ph = (ccc_u128)x * t->theta_hi[i];
            const ccc_u128 pl = (ccc_u128)x * t->theta_lo[i];
            const ccc_u128 mid = (ph & UINT64_MAX) + (pl >> 64);      /* bits 64..128 of P */
            ipart += (ph >> 64) + (mid >> 64);
            frac += (uint64_t)mid;
        }
        frac += (ccc_u128)1 << 63;   /* + 1/2 */
        const ccc_u128 v = ipart + (frac >> 64);
        for (size_t o = 0; o < ko; o++) {
            const ccc_modulus *m = &t->out_mod[o];
            ccc_u128 acc = (ccc_u128)ccc_barrett_reduce_128(m, (uint64_t)v, (uint64_t)(v >> 64));
            size_t cnt = 0;
            for (size_t i = 0; i < kq; i++) {
                acc += (ccc_u128)scratch[i * n + j] * t->omega[i * ko + o];
                if (++cnt == period) { acc = acc_fold(acc, m); cnt = 0; }
            }
            if (cnt + 1 >= period) acc = acc_fold(acc, m);
            if (in_r != NULL) acc += (ccc_u128)in_r[o * n + j] * t->direct[o];
            out[o * n + j] = ccc_barrett_reduce_128(m, (uint64_t)acc, (uint64_t)(acc >> 64));
        }
    }
    return CCC_OK;
}

ccc_status ccc_rlwe_divide_round_last(uint64_t *out, const uint64_t *in, const uint64_t *last,
                                      const uint64_t *moduli, const uint64_t *p_inv_mod,
                                      size_t k, uint64_t p, uint64_t n) {
    if (out == NULL || in == NULL || last == NULL || moduli == NULL || p_inv_mod == NULL || n == 0 || p < 2)
        return CCC_ERR_INVALID_ARGUMENT;
    const uint64_t h = p >> 1;
    for (size_t r = 0; r < k; r++) {
        const uint64_t q = moduli[r];
        if (q < 2 || q >= ((uint64_t)1 << CCC_MAX_MODULUS_BITS)) return CCC_ERR_MODULUS_RANGE;
        ccc_modulus m;
        ccc_status s = ccc_modulus_init(&m, q);
        if (s != CCC_OK) return s;
        const uint64_t w = p_inv_mod[r], ws = ccc_shoup_precompute(w, q);
        const uint64_t hq = ccc_barrett_reduce_128(&m, h, 0);
        const uint64_t *x = in + r * n;
        uint64_t *o = out + r * n;
        for (uint64_t j = 0; j < n; j++) {
            const uint64_t y = ccc_reduce_once(last[j] + h, p);        /* [x_last + h]_p */
            const uint64_t yq = p < q ? y : ccc_barrett_reduce_128(&m, y, 0);
            const uint64_t d = ccc_sub_mod(ccc_add_mod(x[j], hq, q), yq, q);
            o[j] = ccc_mul_shoup(d, w, ws, q);
        }
    }
    return CCC_OK;
}

ccc_status ccc_rlwe_automorphism(uint64_t *out, const uint64_t *in, uint64_t n, uint64_t g, uint64_t q) {
    if (out == NULL || in == NULL || n == 0 || (n & (n - 1)) != 0 || (g & 1) == 0 || g >= 2 * n)
        return CCC_ERR_INVALID_ARGUMENT;
    const uint64_t mask = 2 * n - 1;
    uint64_t idx = 0;
    for (uint64_t j = 0; j < n; j++) {
        const uint64_t x = in[j];
        const uint64_t neg = (uint64_t)0 - (uint64_t)(idx >= n);     /* all ones when flipped */
        const uint64_t nx = (q - x) & (uint64_t)(0 - (uint64_t)(x != 0));  /* -x mod q */
        out[idx & (n - 1)] = (x & ~neg) | (nx & neg);
        idx = (idx + g) & mask;
    }
    return CCC_OK;
}

void ccc_rlwe_reduce_row(uint64_t *out, const uint64_t *in, uint64_t n, const ccc_modulus *m) {
    for (uint64_t j = 0; j < n; j++) out[j] = ccc_barrett_reduce_128(m, in[j], 0);
}

void ccc_rlwe_mul_add2(uint64_t *acc0, uint64_t *acc1, const uint64_t *a, const uint64_t *k0,
                       const uint64_t *k1, uint64_t n, const ccc_modulus *m) {
    for (uint64_t j = 0; j < n; j++) {
        ccc_u128 p0 = (ccc_u128)a[j] * k0[j] + acc0[j];
        ccc_u128 p1 = (ccc_u128)a[j] * k1[j] + acc1[j];
        acc0[j] = ccc_barrett_reduce_128(m, (uint64_t)p0, (uint64_t)(p0 >> 64));
        acc1[j] = ccc_barrett_reduce_128(m, (uint64_t)p1, (uint64_t)(p1 >> 64));
    }
}

ccc_status ccc_rlwe_dot2(uint64_t *out0, uint64_t *out1, const uint64_t *const *a,
                         const uint64_t *const *k0, const uint64_t *const *k1, size_t count,
                         uint64_t n, const ccc_modulus *m) {
    if (out0 == NULL || out1 == NULL || a == NULL || k0 == NULL || k1 == NULL || m == NULL || count == 0 || count > 16)
        return CCC_ERR_INVALID_ARGUMENT;
    /* Blocks of 256 coefficients keep the accumulators in L1. */
    enum { B = 256 };
    ccc_u128 acc0[B], acc1[B];
    for (uint64_t j0 = 0; j0 < n; j0 += B) {
        const uint64_t len = n - j0 < B ? n - j0 : B;
        for (uint64_t j = 0; j < len; j++) { acc0[j] = 0; acc1[j] = 0; }
        for (size_t i = 0; i < count; i++) {
            const uint64_t *x = a[i] + j0, *y0 = k0[i] + j0, *y1 = k1[i] + j0;
            for (uint64_t j = 0; j < len; j++) {
                acc0[j] += (ccc_u128)x[j] * y0[j];
                acc1[j] += (ccc_u128)x[j] * y1[j];
            }
        }
        for (uint64_t j = 0; j < len; j++) {
            out0[j0 + j] = ccc_barrett_reduce_128(m, (uint64_t)acc0[j], (uint64_t)(acc0[j] >> 64));
            out1[j0 + j] = ccc_barrett_reduce_128(m, (uint64_t)acc1[j], (uint64_t)(acc1[j] >> 64));
        }
    }
    return CCC_OK;
}
