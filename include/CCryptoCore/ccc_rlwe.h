/*
 * RNS kernels of the RLWE schemes (BFV, CKKS): base conversion, scale-and-round, dropping the
 * last prime with rounding, and automorphisms. All work on caller-owned memory, prime-major
 * residue rows of n words, values in [0, q) unless stated, and return a ccc_status.
 * Everything here is constant time in the coefficient values (no data-dependent branches)
 * except where a comment says otherwise.
 */
#ifndef CCC_RLWE_H
#define CCC_RLWE_H

#include <stddef.h>
#include <stdint.h>
#include "ccc_common.h"
#include "ccc_modarith.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Fast base conversion with the exact centred correction of Halevi-Polyakov-Shoup (HPS, eprint
 * 2018/117, §2.2): x given by its residues modulo a_0..a_{ka-1} (A = prod a_i) is mapped to the
 * residues modulo b_0..b_{kb-1} of its centred representative in [-A/2, A/2):
 *   y_i = [x_i (A/a_i)^-1]_{a_i},  v = floor(sum_i y_i / a_i + 1/2)  (double precision),
 *   out_o = sum_i y_i [A/a_i]_{b_o} - v [A]_{b_o}  mod b_o.
 * The double sum is exact to about ka * 2^-52, so the result is wrong only for x within
 * A * ka * 2^-52 of +-A/2 (probability ~2^-45 per coefficient for uniform x).
 * Tables (built by the caller):
 *   a_mod[ka], a_hat_inv[ka] = [(A/a_i)^-1]_{a_i}, a_hat_inv_shoup[ka], a_inv_double[ka] = 1/a_i,
 *   b_mod[kb], a_hat_mod_b[ka*kb] = [A/a_i]_{b_o} at [i*kb + o], a_mod_b[kb] = [A]_{b_o}.
 * in: ka rows of n; out: kb rows of n (must not alias in).
 */
typedef struct ccc_rlwe_baseconv {
    size_t ka, kb;
    const ccc_modulus *a_mod;
    const uint64_t *a_hat_inv;
    const uint64_t *a_hat_inv_shoup;
    const double *a_inv_double;
    const ccc_modulus *b_mod;
    const uint64_t *a_hat_mod_b;
    const uint64_t *a_mod_b;
} ccc_rlwe_baseconv;

ccc_status ccc_rlwe_base_convert(const ccc_rlwe_baseconv *t, uint64_t *out, const uint64_t *in,
                                 uint64_t n, uint64_t *scratch /* ka * n words */);

/*
 * Scale and round (HPS §4): for x given modulo Q = prod q_i (kq rows, "in_q") and optionally
 * modulo extra primes r_o that are also output primes ("in_r", kout rows, or NULL), computes
 *   out_o = round(t x / Q) mod p_o   for each output prime p_o
 * as  sum_i x'_i omega_{i,o} + round(sum_i x'_i theta_i) + [x]_{p_o} * direct_o  mod p_o, with
 * x'_i = [x_i q_hat_inv_i]_{q_i}, where the caller chose q_hat_inv_i, omega_{i,o} (integer part
 * of the rational coefficient of x'_i, reduced mod p_o), theta_i (its fractional part, as a
 * 128-bit fixed-point number theta_hi * 2^-64 + theta_lo * 2^-128) and direct_o to match the
 * decomposition in use:
 *   - BFV decryption (in_r = NULL, outputs {t}): q_hat_inv_i = (Q/q_i)^-1, coefficient t/q_i;
 *   - BFV multiplication (x modulo Q*R, outputs R): q_hat_inv_i = (QR/q_i)^-1, coefficient
 *     t R / q_i, direct_o = [t Q^-1]_{r_o}.
 * The fractional sum is accumulated exactly in 128-bit fixed point, so the rounding is exact
 * except within kq * 2^-64 of a half-integer.
 */
typedef struct ccc_rlwe_scaler {
    size_t kq, kout;
    const ccc_modulus *q_mod;
    const uint64_t *q_hat_inv;
    const uint64_t *q_hat_inv_shoup;
    const uint64_t *theta_hi;
    const uint64_t *theta_lo;
    const ccc_modulus *out_mod;
    const uint64_t *omega;         /* kq * kout, [i * kout + o], each < p_o */
    const uint64_t *direct;        /* kout, each < p_o; used only when in_r != NULL */
} ccc_rlwe_scaler;

ccc_status ccc_rlwe_scale_round(const ccc_rlwe_scaler *t, uint64_t *out, const uint64_t *in_q,
                                const uint64_t *in_r, uint64_t n, uint64_t *scratch /* kq * n */);

/*
 * Division by the last prime with rounding: x given modulo q_0..q_{k-1} and modulo the prime p
 * (row `last`), out_j = round(x / p) mod q_j for j < k, i.e.
 *   y = [x_last + floor(p/2)]_p,   out_j = (x_j + floor(p/2) - y) * p^-1  mod q_j.
 * p_inv_mod[j] = [p^-1]_{q_j}. out may alias in (rows 0..k-1).
 * Used by CKKS rescaling, BFV modulus switching and the last step of key switching.
 */
ccc_status ccc_rlwe_divide_round_last(uint64_t *out, const uint64_t *in, const uint64_t *last,
                                      const uint64_t *moduli, const uint64_t *p_inv_mod,
                                      size_t k, uint64_t p, uint64_t n);

/*
 * The automorphism X -> X^g (g odd, 0 < g < 2n) of Z_q[X]/(X^n+1) on one coefficient row:
 * out[j g mod n] = +-in[j] (sign flipped when j g mod 2n >= n). out must not alias in.
 */
ccc_status ccc_rlwe_automorphism(uint64_t *out, const uint64_t *in, uint64_t n, uint64_t g, uint64_t q);

/* out[j] = in[j] mod q for in[j] < 2^64 (Barrett); used to spread small residues to other primes. */
void ccc_rlwe_reduce_row(uint64_t *out, const uint64_t *in, uint64_t n, const ccc_modulus *m);

/* acc0 += a * k0, acc1 += a * k1 pointwise mod q (the inner product of key switching). */
void ccc_rlwe_mul_add2(uint64_t *acc0, uint64_t *acc1, const uint64_t *a, const uint64_t *k0,
                       const uint64_t *k1, uint64_t n, const ccc_modulus *m);

/*
 * The inner products of key switching for one target prime, with one reduction per coefficient:
 *   out0[j] = sum_{i < count} a[i][j] * k0[i][j] mod q,  out1[j] = sum_i a[i][j] * k1[i][j] mod q.
 * a[i][j] < 4q (lazy NTT outputs), k < q; products are summed in 128 bits (count <= 16 keeps
 * the sum below 2^128 for q < 2^61) and reduced once. CCC_ERR_INVALID_ARGUMENT for count > 16.
 */
ccc_status ccc_rlwe_dot2(uint64_t *out0, uint64_t *out1, const uint64_t *const *a,
                         const uint64_t *const *k0, const uint64_t *const *k1, size_t count,
                         uint64_t n, const ccc_modulus *m);

#ifdef __cplusplus
}
#endif
#endif
