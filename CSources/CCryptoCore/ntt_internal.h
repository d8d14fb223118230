/* Kernel entry points shared by the NTT implementation files (not part of the public API). */
#ifndef CCC_NTT_INTERNAL_H
#define CCC_NTT_INTERNAL_H
#include "CCryptoCore/ccc_ntt.h"

void ccc_ntt_forward_portable(const ccc_ntt_tables *t, uint64_t *a, int lazy_output);
void ccc_ntt_inverse_portable(const ccc_ntt_tables *t, uint64_t *a, int lazy_output);
void ccc_ntt_forward_avx512(const ccc_ntt_tables *t, uint64_t *a, int lazy_output);
void ccc_ntt_inverse_avx512(const ccc_ntt_tables *t, uint64_t *a, int lazy_output);
void ccc_ntt_forward_avx2(const ccc_ntt_tables *t, uint64_t *a, int lazy_output);
void ccc_ntt_inverse_avx2(const ccc_ntt_tables *t, uint64_t *a, int lazy_output);

/* Smallest n each vector kernel handles; smaller transforms run the portable code. */
#define CCC_NTT_AVX512_MIN_N 16
#define CCC_NTT_AVX2_MIN_N 8
#endif
