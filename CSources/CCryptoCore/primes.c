#include "CCryptoCore/ccc_primes.h"
#include "CCryptoCore/ccc_modarith.h"

#include <flint/ulong_extras.h>

int ccc_is_prime(uint64_t q) {
    return n_is_prime((mp_limb_t)q) ? 1 : 0;
}

ccc_status ccc_ntt_primes(uint64_t *out, size_t count, uint32_t bits, uint64_t n, uint64_t upper_bound) {
    if (out == NULL && count > 0) return CCC_ERR_INVALID_ARGUMENT;
    if (bits < 2 || bits > CCC_MAX_MODULUS_BITS) return CCC_ERR_INVALID_ARGUMENT;
    if (n == 0 || (n & (n - 1)) != 0 || n > ((uint64_t)1 << 40)) return CCC_ERR_INVALID_ARGUMENT;
    const uint64_t step = 2 * n;
    const uint64_t low = (uint64_t)1 << (bits - 1);
    uint64_t high = (uint64_t)1 << bits;                 /* exclusive */
    if (upper_bound != 0 && upper_bound < high) high = upper_bound;
    if (high <= low + 1) return CCC_ERR_NOT_FOUND;
    /* Largest candidate c < high with c = 1 mod 2n. */
    uint64_t c = ((high - 2) / step) * step + 1;
    size_t found = 0;
    while (found < count) {
        if (c < low || c < step) return CCC_ERR_NOT_FOUND;
        if (n_is_prime((mp_limb_t)c)) out[found++] = c;
        c -= step;
    }
    return CCC_OK;
}
