#include "CCryptoCore/ccc_modarith.h"

ccc_status ccc_modulus_init(ccc_modulus *m, uint64_t q) {
    if (m == NULL) return CCC_ERR_INVALID_ARGUMENT;
    if (q < 2 || (q >> CCC_MAX_MODULUS_BITS) != 0) return CCC_ERR_MODULUS_RANGE;
    /* floor(2^128 / q) = floor((2^128 - 1) / q) unless q divides 2^128 (q a power of two). */
    ccc_u128 r = ~(ccc_u128)0 / q;
    if ((q & (q - 1)) == 0) r += 1;
    m->q = q;
    m->ratio_lo = (uint64_t)r;
    m->ratio_hi = (uint64_t)(r >> 64);
    m->bits = 64 - (uint32_t)__builtin_clzll(q);
    return CCC_OK;
}

uint64_t ccc_pow_mod_vartime(const ccc_modulus *m, uint64_t base, uint64_t e) {
    uint64_t result = 1 % m->q;
    uint64_t b = ccc_mul_mod(m, base, 1);
    while (e != 0) {
        if (e & 1) result = ccc_mul_mod(m, result, b);
        b = ccc_mul_mod(m, b, b);
        e >>= 1;
    }
    return result;
}

ccc_status ccc_inv_mod_vartime(uint64_t *out, uint64_t a, uint64_t q) {
    if (out == NULL || q < 2) return CCC_ERR_INVALID_ARGUMENT;
    /* Extended Euclid on signed 128-bit cofactors. */
    __int128 r0 = q, r1 = a % q, s0 = 0, s1 = 1;
    while (r1 != 0) {
        __int128 quo = r0 / r1, t;
        t = r0 - quo * r1; r0 = r1; r1 = t;
        t = s0 - quo * s1; s0 = s1; s1 = t;
    }
    if (r0 != 1) return CCC_ERR_NOT_INVERTIBLE;
    if (s0 < 0) s0 += q;
    *out = (uint64_t)s0;
    return CCC_OK;
}
