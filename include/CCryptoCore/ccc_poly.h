/*
 * Element-wise kernels on residue polynomials (n words modulo one prime q < 2^62) and the
 * multiply-accumulate kernel of encrypted neural layers. Inputs and outputs in [0, q) unless
 * stated; out may alias an input. Constant time in the coefficient values.
 */
#ifndef CCC_POLY_H
#define CCC_POLY_H

#include <stdint.h>
#include "ccc_common.h"
#include "ccc_modarith.h"

#ifdef __cplusplus
extern "C" {
#endif

void ccc_poly_add(uint64_t *out, const uint64_t *a, const uint64_t *b, uint64_t n, uint64_t q);
void ccc_poly_sub(uint64_t *out, const uint64_t *a, const uint64_t *b, uint64_t n, uint64_t q);
void ccc_poly_neg(uint64_t *out, const uint64_t *a, uint64_t n, uint64_t q);
/* out = a * b pointwise (Barrett). */
void ccc_poly_mul(uint64_t *out, const uint64_t *a, const uint64_t *b, uint64_t n, const ccc_modulus *m);
/* out += a * b pointwise. */
void ccc_poly_mul_add(uint64_t *out, const uint64_t *a, const uint64_t *b, uint64_t n, const ccc_modulus *m);
/* out = a * w for a constant w < q (Shoup). */
void ccc_poly_mul_scalar(uint64_t *out, const uint64_t *a, uint64_t w, uint64_t n, uint64_t q);
/* out = a mod q for arbitrary 64-bit a. */
void ccc_poly_reduce(uint64_t *out, const uint64_t *a, uint64_t n, const ccc_modulus *m);

/*
 * Multiply-accumulate of many residue polynomials by word scalars with lazy reduction:
 *   out[j] = (accumulate ? out[j] : 0) + sum_{i < count} scalars[i] * polys[i][j]  mod q.
 * polys[i][j] must lie in [0, q). Products are summed without reduction (128-bit accumulators
 * in the portable kernel, three 64-bit split accumulators in the SIMD kernels) and reduced once
 * per coefficient at the end.
 *
 * ccc_poly_dot takes scalars in [0, q). The _small variants take signed scalars with
 * |s| < 2^31 (the fixed-point weights of a neural layer) and branch on the sign of each scalar:
 * variable time in the scalars (the server's plaintext weights), never in the coefficients.
 *
 * ccc_poly_matvec_small computes `outputs` such sums at once, one per row of the row-major
 * outputs x count weight matrix, into outs[o]; it tiles the coefficients so that each block of
 * the inputs is read from memory once for all outputs (the conv and dense layers of an
 * encrypted network). The _kernel variant picks the implementation (CCC_ERR_INVALID_ARGUMENT
 * if this CPU lacks it); all give identical results.
 */
ccc_status ccc_poly_dot(uint64_t *out, const uint64_t *const *polys, const uint64_t *scalars,
                        size_t count, uint64_t n, const ccc_modulus *m, int accumulate);
ccc_status ccc_poly_dot_small(uint64_t *out, const uint64_t *const *polys, const int64_t *scalars,
                              size_t count, uint64_t n, const ccc_modulus *m, int accumulate);
ccc_status ccc_poly_matvec_small(uint64_t *const *outs, size_t outputs, const uint64_t *const *polys,
                                 const int64_t *weights, size_t count, uint64_t n,
                                 const ccc_modulus *m, int accumulate);
ccc_status ccc_poly_matvec_small_kernel(uint64_t *const *outs, size_t outputs,
                                        const uint64_t *const *polys, const int64_t *weights,
                                        size_t count, uint64_t n, const ccc_modulus *m,
                                        int accumulate, ccc_kernel kernel);
/* Kernels the _small multiply-accumulate can run on this CPU (bit mask of ccc_kernel). */
uint32_t ccc_poly_dot_small_kernels(void);

#ifdef __cplusplus
}
#endif
#endif
